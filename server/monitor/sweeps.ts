import { getConfig } from "@/server/config";
import type { Sweep } from "@/server/scheduler/types";
import { createAlertsSweep } from "./evaluate";
import { createRetentionSweep } from "./retention";
import { monitorSettings } from "./settings";
import { createWebhookSweep } from "./webhook";

/**
 * The monitor's sweeps, in order: alerts first, so what they enqueue is sent in the same pass;
 * pruning last. The configuration is read at each run (it is loaded once and cached).
 */
export const alertsSweep = createAlertsSweep(() => monitorSettings(getConfig()));
export const alertWebhookSweep = createWebhookSweep(() => getConfig().taskManager.alertWebhook);
export const retentionSweep = createRetentionSweep(() => getConfig().taskManager.retention);

export const monitorSweeps: Sweep[] = [alertsSweep, alertWebhookSweep, retentionSweep];
