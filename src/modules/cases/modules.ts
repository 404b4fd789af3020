import type { ModuleManifest } from '../../platform/module.js';
import { calendarModule } from '../../platform/calendar/index.js';
import { notifyModule } from '../../platform/notify/index.js';
import { filesModule } from '../../platform/files/index.js';
import { casesModule } from './index.js';

/** The cases module and the platform parts it brought (working calendar, notifications, files), in start order. */
export const casesModules: ModuleManifest[] = [calendarModule, notifyModule, filesModule, casesModule];
