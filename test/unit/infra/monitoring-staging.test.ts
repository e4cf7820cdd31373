/** The staging stack's alarms and alert routing under Pulumi mocks (`monitoring.ts`). */
import { describeMonitoring } from './monitoring.ts';

describeMonitoring('staging', { paper: true });
