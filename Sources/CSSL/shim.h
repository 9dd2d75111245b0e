// OpenSSL from the system (Debian: libssl-dev), for DICOM over TLS (DICOMNetwork's TLSContext
// and TLSStream). The functions below wrap what OpenSSL defines as macros, which Swift cannot call.
#ifndef SENDIT_CSSL_H
#define SENDIT_CSSL_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>

/// TLS 1.2 and 1.3 only (BCP 195); 1 on success.
static inline int sendit_tls_versions(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1
        && SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1;
}

/// Writes may be partial and retried from another address (the caller's buffers move).
static inline void sendit_tls_modes(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/// The server name sent in the ClientHello (SNI).
static inline int sendit_tls_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

/// No renegotiation, no compression, the server's cipher order.
static inline void sendit_tls_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
}

/// The certificate's subject as RFC 2253 prints it ("CN=ct1,O=Hospital"), into `buffer`;
/// its length, or -1.
static inline int sendit_tls_subject(X509 *cert, char *buffer, int size) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return -1;
    int n = -1;
    if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
        n = BIO_read(bio, buffer, size - 1);
        if (n >= 0) buffer[n] = 0;
    }
    BIO_free(bio);
    return n;
}

/// The subject's common name (CN), into `buffer`; its length, or -1 if it has none.
static inline int sendit_tls_common_name(X509 *cert, char *buffer, int size) {
    return X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buffer, size);
}

/// The name of the context's `index`-th cipher in its order of preference (TLS 1.3 suites
/// first), or NULL past the last.
static inline const char *sendit_tls_cipher_name(SSL_CTX *ctx, int index) {
    STACK_OF(SSL_CIPHER) *ciphers = SSL_CTX_get_ciphers(ctx);
    if (ciphers == NULL || index < 0 || index >= sk_SSL_CIPHER_num(ciphers)) return NULL;
    return SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, index));
}
#endif
