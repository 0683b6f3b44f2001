#ifndef CSIMDJSON_FLOOR_H
#define CSIMDJSON_FLOOR_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
/// Parses `length` bytes as one JSON document with simdjson's DOM parser (one parser per thread, reused) and
/// returns the number of members of the top-level object (0 for another value), or -1 when the bytes are not JSON.
/// The benchmark's floor: the fastest JSON parser on the machine doing the parse that an order needs.
long rg_simdjson_parse(const uint8_t *bytes, size_t length);
#ifdef __cplusplus
}
#endif
#endif
