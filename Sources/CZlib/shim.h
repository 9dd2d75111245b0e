// zlib from the system (Debian: zlib1g-dev), for the Deflated transfer syntaxes.
#include <zlib.h>
