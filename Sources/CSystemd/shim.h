#ifndef REGIMEN_GUARD_CSYSTEMD_SHIM_H
#define REGIMEN_GUARD_CSYSTEMD_SHIM_H
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#endif
