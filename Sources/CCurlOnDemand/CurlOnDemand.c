// libcurl on demand: the 23 curl_* functions FoundationNetworking (URLSession on Linux) calls,
// each loading libcurl.so.4 with dlopen on first use and forwarding to it.
//
// Why: linked as usual, libcurl brings about 30 shared libraries (GnuTLS, Kerberos, LDAP,
// libssh2, ...) whose loading and constructors cost every sendit command 5-10 ms of start-up,
// though only the HTTP clients (identifiers service, Orthanc REST, Google) use them. With these
// definitions in the executable, and the modules importing FoundationNetworking compiled with
// `-disable-autolink-library curl` (Package.swift), the static release build
// (--static-swift-stdlib) no longer names libcurl at all; `sendit serve` loads it at its first
// HTTP request. In a dynamic build (debug, the tests) libFoundationNetworking.so still loads
// libcurl at start-up, but Package.swift exports these definitions from the executable, so its
// calls come through here too and the tests run the same forwarding as the release build.
// (libcurl's calls to its own public functions then pass here as well: one more jump, since
// the lookup through its handle below finds libcurl's definitions, never these.)
//
// The variadic setters and getters (curl_easy_setopt, curl_multi_setopt, curl_easy_getinfo)
// take exactly one argument after the option: a long, a curl_off_t, a data pointer or a
// function pointer. On LP64 Linux (x86-64, AArch64) each is one 8-byte integer-class argument,
// passed the same way, so it is read as a void * and passed on unchanged.
//
// If libcurl cannot be loaded, the first HTTP request ends the process with a message naming
// it: the dynamic build would not have started at all.
#if defined(__linux__)

#define CURL_DISABLE_TYPECHECK 1
#if __has_include(<curl/curl.h>)
// With the development headers present, the compiler checks each definition below against
// libcurl's own declaration.
#include <curl/curl.h>
#else
typedef void CURL;
typedef void CURLM;
typedef struct Curl_URL CURLU;
typedef int CURLcode, CURLMcode, CURLUcode, CURLoption, CURLMoption, CURLINFO, CURLUPart, CURLversion;
typedef int curl_socket_t;
typedef struct CURLMsg CURLMsg;
typedef struct curl_version_info_data curl_version_info_data;
struct curl_slist;
#endif

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

_Static_assert(sizeof(void *) == 8 && sizeof(long) == 8 && sizeof(long long) == 8,
               "the variadic forwarding below assumes LP64");

#define CURL_FUNCTIONS(X) \
    X(easy_cleanup, void, (CURL *)) \
    X(easy_getinfo, CURLcode, (CURL *, CURLINFO, ...)) \
    X(easy_init, CURL *, (void)) \
    X(easy_pause, CURLcode, (CURL *, int)) \
    X(easy_setopt, CURLcode, (CURL *, CURLoption, ...)) \
    X(easy_strerror, const char *, (CURLcode)) \
    X(free, void, (void *)) \
    X(global_init, CURLcode, (long)) \
    X(multi_add_handle, CURLMcode, (CURLM *, CURL *)) \
    X(multi_assign, CURLMcode, (CURLM *, curl_socket_t, void *)) \
    X(multi_cleanup, CURLMcode, (CURLM *)) \
    X(multi_info_read, CURLMsg *, (CURLM *, int *)) \
    X(multi_init, CURLM *, (void)) \
    X(multi_remove_handle, CURLMcode, (CURLM *, CURL *)) \
    X(multi_setopt, CURLMcode, (CURLM *, CURLMoption, ...)) \
    X(multi_socket_action, CURLMcode, (CURLM *, curl_socket_t, int, int *)) \
    X(slist_append, struct curl_slist *, (struct curl_slist *, const char *)) \
    X(slist_free_all, void, (struct curl_slist *)) \
    X(url, CURLU *, (void)) \
    X(url_get, CURLUcode, (CURLU *, CURLUPart, char **, unsigned int)) \
    X(url_set, CURLUcode, (CURLU *, CURLUPart, const char *, unsigned int)) \
    X(version, char *, (void)) \
    X(version_info, curl_version_info_data *, (CURLversion))

static struct {
#define FIELD(name, result, parameters) result (*name) parameters;
    CURL_FUNCTIONS(FIELD)
#undef FIELD
} real;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void fail(const char *what) {
    fprintf(stderr, "sendit: cannot use libcurl (libcurl.so.4), which the HTTP clients need: %s\n", what);
    abort();
}

static void load(void) {
    // RTLD_LOCAL: libcurl's symbols are reached only through this handle, never in place of
    // the definitions below.
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) fail(dlerror());
#define LOOKUP(name, result, parameters) \
    *(void **)&real.name = dlsym(library, "curl_" #name); \
    if (real.name == NULL) fail("no curl_" #name);
    CURL_FUNCTIONS(LOOKUP)
#undef LOOKUP
}

#define REAL(name) (pthread_once(&loaded, load), real.name)

void curl_easy_cleanup(CURL *handle) { REAL(easy_cleanup)(handle); }
CURL *curl_easy_init(void) { return REAL(easy_init)(); }
CURLcode curl_easy_pause(CURL *handle, int bitmask) { return REAL(easy_pause)(handle, bitmask); }
const char *curl_easy_strerror(CURLcode code) { return REAL(easy_strerror)(code); }
void curl_free(void *p) { REAL(free)(p); }
CURLcode curl_global_init(long flags) { return REAL(global_init)(flags); }
CURLMcode curl_multi_add_handle(CURLM *multi, CURL *handle) { return REAL(multi_add_handle)(multi, handle); }
CURLMcode curl_multi_assign(CURLM *multi, curl_socket_t socket, void *pointer) {
    return REAL(multi_assign)(multi, socket, pointer);
}
CURLMcode curl_multi_cleanup(CURLM *multi) { return REAL(multi_cleanup)(multi); }
CURLMsg *curl_multi_info_read(CURLM *multi, int *queued) { return REAL(multi_info_read)(multi, queued); }
CURLM *curl_multi_init(void) { return REAL(multi_init)(); }
CURLMcode curl_multi_remove_handle(CURLM *multi, CURL *handle) { return REAL(multi_remove_handle)(multi, handle); }
CURLMcode curl_multi_socket_action(CURLM *multi, curl_socket_t socket, int mask, int *running) {
    return REAL(multi_socket_action)(multi, socket, mask, running);
}
struct curl_slist *curl_slist_append(struct curl_slist *list, const char *string) {
    return REAL(slist_append)(list, string);
}
void curl_slist_free_all(struct curl_slist *list) { REAL(slist_free_all)(list); }
CURLU *curl_url(void) { return REAL(url)(); }
CURLUcode curl_url_get(CURLU *url, CURLUPart what, char **part, unsigned int flags) {
    return REAL(url_get)(url, what, part, flags);
}
CURLUcode curl_url_set(CURLU *url, CURLUPart what, const char *part, unsigned int flags) {
    return REAL(url_set)(url, what, part, flags);
}
char *curl_version(void) { return REAL(version)(); }
curl_version_info_data *curl_version_info(CURLversion age) { return REAL(version_info)(age); }

#define ONE_ARGUMENT(name, handle, option) \
    va_list arguments; \
    va_start(arguments, option); \
    void *argument = va_arg(arguments, void *); \
    va_end(arguments); \
    return REAL(name)(handle, option, argument);

CURLcode curl_easy_setopt(CURL *handle, CURLoption option, ...) { ONE_ARGUMENT(easy_setopt, handle, option) }
CURLcode curl_easy_getinfo(CURL *handle, CURLINFO info, ...) { ONE_ARGUMENT(easy_getinfo, handle, info) }
CURLMcode curl_multi_setopt(CURLM *multi, CURLMoption option, ...) { ONE_ARGUMENT(multi_setopt, multi, option) }

#endif
