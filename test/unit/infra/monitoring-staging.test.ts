/**
 * The staging stack's alarms and alert routing under Pulumi mocks (`monitoring.ts`), with SMS on:
 * it also pages on the month's SMS spend.
 */
import { describeMonitoring } from './monitoring.ts';

describeMonitoring('staging', { paper: true, sms: true });
