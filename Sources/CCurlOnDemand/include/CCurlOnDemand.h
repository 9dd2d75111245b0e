#ifndef SENDIT_CCURLONDEMAND_H
#define SENDIT_CCURLONDEMAND_H

// libcurl, loaded when first used (see CurlOnDemand.c). Nothing to call from Swift:
// FoundationNetworking calls the curl_* functions this target defines.

#endif
