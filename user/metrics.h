/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SLUICE_METRICS_H
#define SLUICE_METRICS_H

#include <stdio.h>

/*
 * Write the Prometheus text exposition of the live state to f: the
 * metrics, or sluice_up 0 alone when the state cannot be read (*state_err
 * then says why, 0 otherwise, with the reason recorded unless nothing is
 * loaded). Returns 0, or -EIO when f could not be written.
 */
int sl_metrics_write(FILE *f, int *state_err);

#define SL_METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
