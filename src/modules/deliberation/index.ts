import type { ModuleManifest } from '../../platform/module.js';
import { systemActor } from '../../platform/auth/actor.js';
import type { Tx } from '../../platform/db/database.js';
import { registerFileAccess } from '../../platform/files/index.js';
import { deliberationRoutes } from './routes.js';
import { seedDeliberation } from './seed.js';
import { JOB_RESOLUTION_DUE, JOB_TOPIC_EXPIRE, JOB_VOTE_CLOSE } from './service/common.js';
import { canSeeResolution, markOverdue } from './service/resolutions.js';
import { canSeeTopic, expireTopic } from './service/topics.js';
import { closeVoteTx } from './service/votes.js';

export { tally, type TallyInput, type TallyResult } from './tally.js';

/**
 * 议事厅 · 有事好商量 · 社区公约: residents propose and support topics, staff put them on meeting
 * agendas, residents or owners vote (double majority by owners and floor area), resolutions are
 * tracked to completion, and conventions are revised with residents' annotations.
 * Residents take part through `auth: 'user'` routes; the service checks that they live under the row's node.
 */
export const deliberationModule: ModuleManifest = {
  name: 'deliberation',
  permissions: {
    'deliberation.read': { roles: ['grid_worker', 'grid_leader', 'supervisor', 'community_admin', 'street_admin', 'mediator', 'auditor', 'admin'], description: '查看辖区议事厅（议题、会议、表决、决议、公约）' },
    'deliberation.manage': { roles: ['community_admin', 'street_admin', 'admin'], description: '审核议题、组织会议与表决、形成决议、修订公约' },
    'deliberation.assist': { roles: ['grid_worker', 'grid_leader', 'community_admin', 'street_admin', 'admin'], description: '代居民签到、代录纸质选票、查看选民名单' },
  },
  routes: deliberationRoutes,
  jobs: (ctx) => ({
    [JOB_TOPIC_EXPIRE]: async (trx: Tx, p: { topicId: string }) => expireTopic(ctx, trx, p.topicId, systemActor()),
    [JOB_VOTE_CLOSE]: async (trx: Tx, p: { voteId: string }) => {
      await closeVoteTx(ctx, trx, systemActor(), p.voteId, { manual: false });
    },
    [JOB_RESOLUTION_DUE]: async (trx: Tx, p: { resolutionId: string }) => markOverdue(ctx, trx, p.resolutionId, systemActor()),
  }),
  start: async () => {
    // photos of a topic or of a resolution's progress are visible to whoever sees the topic or resolution
    registerFileAccess('deliberation_topic', canSeeTopic);
    registerFileAccess('deliberation_resolution', canSeeResolution);
  },
  seed: seedDeliberation,
};
