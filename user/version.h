/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: the version, and the commit it was built from (the Makefile's build.h). */
#ifndef SLUICE_VERSION_H
#define SLUICE_VERSION_H

#include "build.h"

#define SLUICE_VERSION "0.1.0"

#ifndef SLUICE_COMMIT
#define SLUICE_COMMIT "unknown"
#endif

#endif
