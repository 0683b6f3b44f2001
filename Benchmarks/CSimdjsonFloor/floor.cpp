#include "CSimdjsonFloor.h"
#include <simdjson.h>

long rg_simdjson_parse(const uint8_t *bytes, size_t length) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element document;
    if (parser.parse(reinterpret_cast<const char *>(bytes), length).get(document)) { return -1; }
    simdjson::dom::object object;
    if (document.get(object)) { return 0; }
    return static_cast<long>(object.size());
}
