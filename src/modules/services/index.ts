import type { ModuleManifest } from '../../platform/module.js';
import { registerFileAccess } from '../../platform/files/index.js';
import { registerDeskProvider } from '../grid-work/index.js';
import { servicesRoutes } from './routes.js';
import { seedServices } from './seed.js';
import { svcRepo } from './repository.js';
import { EXPIRE_JOB, expireJob } from './service/announcements.js';
import { REMIND_JOB, remindJob } from './service/activities.js';
import { canSeeApplication, deskItems } from './service/catalogue.js';
import { ESCALATE_JOB, escalateJob } from './service/emergency.js';

export { createAnnouncement, publishAnnouncement, previewAudience, suggestTargeting, boardFeed, boardRss, type AnnouncementView } from './service/announcements.js';
export { createActivity, getActivityForStaff, signUp, cancelSignup, checkIn, bookRoom, createRoom, ACTIVITY_KINDS, type ActivityView, type SignupView } from './service/activities.js';
export { applyForMatter, decideApplication, getApplication, listMatters, reportRepair, type ApplicationView, type MatterView } from './service/catalogue.js';
export { ask, Bm25Index, terms } from './service/assistant.js';
export { raiseEmergency, acknowledgeEmergency, ESCALATE_AFTER_MS, type EmergencyView } from './service/emergency.js';

const STAFF = ['grid_worker', 'grid_leader', 'community_admin', 'street_admin', 'admin'] as const;

export const servicesModule: ModuleManifest = {
  name: 'services',
  permissions: {
    'services.announce': { roles: ['grid_leader', 'community_admin', 'street_admin', 'admin'], description: '发布通知公告（按范围与人群定向）、查看阅读回执、打印张贴版' },
    'services.activities.manage': { roles: [...STAFF], description: '发布和管理社区活动、查看报名与候补名单、现场签到码' },
    'services.rooms.manage': { roles: ['community_admin', 'street_admin', 'admin'], description: '管理社区场地与预约' },
    'services.catalogue.write': { roles: ['community_admin', 'street_admin', 'admin'], description: '维护办事指南（事项、材料、流程、时限、窗口）' },
    'services.applications.handle': { roles: ['grid_leader', 'community_admin', 'street_admin', 'admin'], description: '受理和办结居民的在线申请' },
    'services.proxy': { roles: [...STAFF], description: '帮代办：代居民报名活动、申请事项' },
    'services.kb.write': { roles: ['community_admin', 'street_admin', 'admin'], description: '维护智能问答知识库、答复未解答的问题' },
    'services.emergency.handle': { roles: ['grid_worker', 'grid_leader', 'community_admin', 'street_admin', 'dispatcher', 'supervisor', 'admin'], description: '接收、响应和处置居民一键报警' },
  },
  routes: servicesRoutes,
  jobs: (ctx) => ({ [EXPIRE_JOB]: expireJob(ctx) as never, [REMIND_JOB]: remindJob(ctx) as never, [ESCALATE_JOB]: escalateJob(ctx) as never }),
  start: async () => {
    // application documents are visible to whoever may see the application
    registerFileAccess('svc_application', async (ctx, actor, refId) => {
      const a = await svcRepo.applicationById(ctx.db, refId);
      return !!a && canSeeApplication(actor, a);
    });
    registerDeskProvider('services', deskItems);
  },
  seed: seedServices,
};
