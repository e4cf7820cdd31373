/** The dev stack's alarms and alert routing under Pulumi mocks (`monitoring.ts`). */
import { describeMonitoring } from './monitoring.ts';

describeMonitoring('dev', { paper: true });
