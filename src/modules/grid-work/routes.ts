import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { invalid } from '../../platform/errors.js';
import * as s from './schemas.js';
import * as registry from './service/registry.js';
import * as teams from './service/teams.js';
import * as patrols from './service/patrols.js';
import * as visits from './service/visits.js';
import * as proxy from './service/proxy.js';
import * as desk from './service/desk.js';
import * as party from './service/party.js';
import { readUploads } from '../../platform/http/multipart.js';

const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

type Id = { Params: Static<typeof s.IdParams> };

export async function gridWorkRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const P = '/grid-work';

  // ------------------------------------------------------------ registry: moves and imports
  {
    const tags = ['grid-work · 实有人口'];
    app.post<Id & { Body: Static<typeof s.MoveBody> }>(
      `${P}/residents/:id/moves`,
      { config: { permission: 'residents.write' }, schema: { tags, summary: '迁入、迁出或户间迁移', params: s.IdParams, body: s.MoveBody } },
      async (req, reply) => reply.status(201).send(await registry.recordMove(ctx, actorOf(req), req.params.id, req.body)),
    );
    app.get<Id>(`${P}/residents/:id/moves`, { config: { permission: 'residents.read' }, schema: { tags, summary: '居民的迁入迁出记录', params: s.IdParams } }, async (req) => registry.residentMoves(ctx, actorOf(req), req.params.id));
    app.get<{ Querystring: Static<typeof s.MovesQuery> }>(`${P}/moves`, { config: { permission: 'residents.read' }, schema: { tags, summary: '辖区迁入迁出记录', querystring: s.MovesQuery } }, async (req) => registry.listMoves(ctx, actorOf(req), req.query));

    app.get(`${P}/imports/template`, { config: { permission: 'gridwork.import' }, schema: { tags, summary: '居民导入模板（XLSX）' } }, async (_req, reply) => {
      reply.header('Content-Disposition', `attachment; filename="residents-template.xlsx"`);
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await registry.importTemplate());
    });
    app.post(
      `${P}/imports`,
      { config: { permission: 'gridwork.import' }, bodyLimit: MAX_IMPORT_BYTES + 64 * 1024, schema: { tags, summary: '上传居民 XLSX：逐行校验并预览（尚未导入）', consumes: ['multipart/form-data'] } },
      async (req, reply) => {
        const [file] = await readUploads(req, { maxBytes: MAX_IMPORT_BYTES, maxFiles: 1, notMultipart: '请以 multipart/form-data 上传 XLSX 文件（字段名 file）', tooLarge: '文件不能超过 10 MB', tooMany: '一次只能上传一个文件' });
        if (!file) throw invalid('请上传 XLSX 文件（字段名 file）');
        return reply.status(201).send(await registry.previewImport(ctx, actorOf(req), file));
      },
    );
    app.get(`${P}/imports`, { config: { permission: 'gridwork.import' }, schema: { tags, summary: '导入任务' } }, async (req) => registry.listImports(ctx, actorOf(req)));
    app.get<Id>(`${P}/imports/:id`, { config: { permission: 'gridwork.import' }, schema: { tags, summary: '导入任务进度与错误行', params: s.IdParams } }, async (req) => registry.getImport(ctx, actorOf(req), req.params.id));
    app.post<Id>(`${P}/imports/:id/commit`, { config: { permission: 'gridwork.import' }, schema: { tags, summary: '确认导入（后台分批执行）', params: s.IdParams } }, async (req, reply) =>
      reply.status(202).send(await registry.commitImport(ctx, actorOf(req), req.params.id)),
    );
    app.post<Id>(`${P}/imports/:id/cancel`, { config: { permission: 'gridwork.import' }, schema: { tags, summary: '取消待确认的导入', params: s.IdParams } }, async (req) => registry.cancelImport(ctx, actorOf(req), req.params.id));
  }

  // ------------------------------------------------------------ grid teams
  {
    const tags = ['grid-work · 网格团队'];
    app.get<{ Querystring: Static<typeof s.NodeQuery> }>(`${P}/teams`, { config: { permission: 'gridwork.read' }, schema: { tags, summary: '辖区各网格团队概况', querystring: s.NodeQuery } }, async (req) => teams.listTeams(ctx, actorOf(req), req.query));
    app.get<Id>(`${P}/grids/:id/team`, { config: { permission: 'gridwork.read' }, schema: { tags, summary: '网格团队：网格长、网格员、党员中心户及其联系户', params: s.IdParams } }, async (req) => teams.gridTeam(ctx, actorOf(req), req.params.id));
    app.post<Id & { Body: Static<typeof s.TeamMemberBody> }>(
      `${P}/grids/:id/team`,
      { config: { permission: 'gridwork.team.write' }, schema: { tags, summary: '添加网格长或网格员', params: s.IdParams, body: s.TeamMemberBody } },
      async (req, reply) => reply.status(201).send(await teams.addTeamMember(ctx, actorOf(req), req.params.id, req.body)),
    );
    app.delete<Id>(`${P}/team-members/:id`, { config: { permission: 'gridwork.team.write' }, schema: { tags, summary: '移出网格团队', params: s.IdParams } }, async (req, reply) => {
      await teams.removeTeamMember(ctx, actorOf(req), req.params.id);
      return reply.status(204).send();
    });
    app.put<Id & { Body: Static<typeof s.HouseholdsBody> }>(
      `${P}/team-members/:id/households`,
      { config: { permission: 'gridwork.team.write' }, schema: { tags, summary: '分配联系户', params: s.IdParams, body: s.HouseholdsBody } },
      async (req) => teams.assignHouseholds(ctx, actorOf(req), req.params.id, req.body.householdIds),
    );
  }

  // ------------------------------------------------------------ patrols
  {
    const tags = ['grid-work · 巡查'];
    app.post<{ Body: Static<typeof s.StartPatrolBody> }>(`${P}/patrols`, { config: { permission: 'gridwork.patrol' }, schema: { tags, summary: '开始巡查（同一幂等键或未结束的巡查返回原记录）', body: s.StartPatrolBody } }, async (req, reply) => {
      const v = await patrols.startPatrol(ctx, actorOf(req), req.body);
      return reply.status(v.resumed ? 200 : 201).send(v);
    });
    app.get(`${P}/patrols/active`, { config: { permission: 'gridwork.patrol' }, schema: { tags, summary: '我正在进行的巡查' } }, async (req) => ({ patrol: await patrols.myActivePatrol(ctx, actorOf(req)) }));
    app.get<{ Querystring: Static<typeof s.PatrolsQuery> }>(`${P}/patrols`, { config: { permission: 'gridwork.read' }, schema: { tags, summary: '巡查记录', querystring: s.PatrolsQuery } }, async (req) => patrols.listPatrols(ctx, actorOf(req), req.query));
    app.get<{ Querystring: Static<typeof s.CoverageQuery> }>(`${P}/patrols/coverage`, { config: { permission: 'gridwork.coverage' }, schema: { tags, summary: '各网格每周巡查覆盖', querystring: s.CoverageQuery } }, async (req) => patrols.patrolCoverage(ctx, actorOf(req), req.query));
    app.get<Id>(`${P}/patrols/:id`, { config: { permission: 'gridwork.read' }, schema: { tags, summary: '巡查详情（含轨迹与上报的问题）', params: s.IdParams } }, async (req) => patrols.getPatrol(ctx, actorOf(req), req.params.id));
    app.post<Id & { Body: Static<typeof s.PointsBody> }>(`${P}/patrols/:id/points`, { config: { permission: 'gridwork.patrol' }, schema: { tags, summary: '上传轨迹点（重发的点只保存一次）', params: s.IdParams, body: s.PointsBody } }, async (req) =>
      patrols.addPatrolPoints(ctx, actorOf(req), req.params.id, req.body.points),
    );
    app.post<Id & { Body: Static<typeof s.PatrolReportBody> }>(
      `${P}/patrols/:id/reports`,
      { config: { permission: 'gridwork.patrol' }, schema: { tags, summary: '巡查中上报问题（进入案卷）', params: s.IdParams, body: s.PatrolReportBody } },
      async (req, reply) => {
        const r = await patrols.reportFromPatrol(ctx, actorOf(req), req.params.id, req.body);
        return reply.status(r.created ? 201 : 200).send(r);
      },
    );
    app.post<Id & { Body: Static<typeof s.EndPatrolBody> }>(`${P}/patrols/:id/end`, { config: { permission: 'gridwork.patrol' }, schema: { tags, summary: '结束巡查并生成小结', params: s.IdParams, body: s.EndPatrolBody } }, async (req) =>
      patrols.endPatrol(ctx, actorOf(req), req.params.id, req.body),
    );
  }

  // ------------------------------------------------------------ visits
  {
    const tags = ['grid-work · 走访'];
    app.get(`${P}/visit-rules`, { config: { permission: 'gridwork.read' }, schema: { tags, summary: '走访规则（按标签的走访周期）' } }, async (req) => visits.listVisitRules(ctx, actorOf(req)));
    app.put<{ Params: Static<typeof s.TagParams>; Body: Static<typeof s.VisitRuleBody> }>(
      `${P}/visit-rules/:tag`,
      { config: { permission: 'gridwork.rules.write' }, schema: { tags, summary: '设置某标签的走访周期', params: s.TagParams, body: s.VisitRuleBody } },
      async (req) => visits.setVisitRule(ctx, actorOf(req), req.params.tag, req.body),
    );
    app.post<{ Body: Static<typeof s.VisitBody> }>(`${P}/visits`, { config: { permission: 'gridwork.visit' }, schema: { tags, summary: '登记走访（同一幂等键只记录一次）', body: s.VisitBody } }, async (req, reply) => {
      const v = await visits.recordVisit(ctx, actorOf(req), req.body);
      return reply.status(v.created ? 201 : 200).send(v);
    });
    app.get<{ Querystring: Static<typeof s.VisitsQuery> }>(`${P}/visits`, { config: { permission: 'gridwork.read' }, schema: { tags, summary: '走访记录', querystring: s.VisitsQuery } }, async (req) => visits.listVisits(ctx, actorOf(req), req.query));
    app.get<{ Querystring: Static<typeof s.PlanQuery> }>(`${P}/visits/plan`, { config: { permission: 'gridwork.read' }, schema: { tags, summary: '走访计划：应访居民、到期时间与逾期', querystring: s.PlanQuery } }, async (req) => visits.visitPlan(ctx, actorOf(req), req.query));
    app.get<{ Querystring: Static<typeof s.NodeQuery> }>(`${P}/visits/flags`, { config: { permission: 'gridwork.read' }, schema: { tags, summary: '逾期走访标记', querystring: s.NodeQuery } }, async (req) => visits.overdueFlags(ctx, actorOf(req), req.query));
    app.get<Id>(`${P}/visits/:id`, { config: { permission: 'gridwork.read' }, schema: { tags, summary: '走访详情', params: s.IdParams } }, async (req) => visits.getVisit(ctx, actorOf(req), req.params.id));
  }

  // ------------------------------------------------------------ proxy service
  {
    const tags = ['grid-work · 帮代办'];
    app.post<{ Body: Static<typeof s.ProxyCaseBody> }>(`${P}/proxy/cases`, { config: { permission: 'gridwork.proxy' }, schema: { tags, summary: '代居民上报事件', body: s.ProxyCaseBody } }, async (req, reply) => {
      const v = await proxy.proxyReportCase(ctx, actorOf(req), req.body);
      return reply.status(v.created ? 201 : 200).send(v);
    });
    app.post<{ Body: Static<typeof s.ProxyServiceBody> }>(`${P}/proxy/services`, { config: { permission: 'gridwork.proxy' }, schema: { tags, summary: '代居民申请办事指南中的事项（材料照片；申请进入服务模块，居民在“我的申请”中可见）', body: s.ProxyServiceBody } }, async (req, reply) => {
      const v = await proxy.proxyApplyService(ctx, actorOf(req), req.body);
      return reply.status(v.created ? 201 : 200).send(v);
    });
    app.post<{ Body: Static<typeof s.ProxyActivityBody> }>(`${P}/proxy/activities`, { config: { permission: 'gridwork.proxy' }, schema: { tags, summary: '代居民报名社区活动', body: s.ProxyActivityBody } }, async (req, reply) => {
      const v = await proxy.proxySignUp(ctx, actorOf(req), req.body);
      return reply.status(v.created ? 201 : 200).send(v);
    });
    app.get(`${P}/proxy/mine`, { config: { auth: 'user' }, schema: { tags, summary: '居民：工作人员为我代办的事项与回执' } }, async (req) => proxy.myProxyServices(ctx, actorOf(req)));
    app.get<{ Params: Static<typeof s.CodeParams> }>(`${P}/proxy/track/:code`, { config: { auth: 'public' }, schema: { tags, summary: '凭查询码查询代办进度（不含个人信息）', params: s.CodeParams } }, async (req) => proxy.trackProxy(ctx, req.params.code));
    app.get<{ Querystring: Static<typeof s.ProxyQuery> }>(`${P}/proxy`, { config: { permission: 'gridwork.proxy' }, schema: { tags, summary: '帮代办记录', querystring: s.ProxyQuery } }, async (req) => proxy.listProxy(ctx, actorOf(req), req.query));
    app.get<Id>(`${P}/proxy/:id`, { config: { auth: 'user' }, schema: { tags, summary: '帮代办回执（居民本人或辖区工作人员）', params: s.IdParams } }, async (req) => proxy.getProxy(ctx, actorOf(req), req.params.id));
    app.get<Id>(`${P}/proxy/:id/receipt.pdf`, { config: { auth: 'user' }, schema: { tags, summary: '打印回执（PDF，含查询码）', params: s.IdParams } }, async (req, reply) => {
      const r = await proxy.proxyReceiptPdf(ctx, actorOf(req), req.params.id);
      reply.header('Content-Disposition', `inline; filename="${r.fileName}"`);
      return reply.type('application/pdf').send(r.pdf);
    });
    app.post<Id & { Body: Static<typeof s.ProxyCloseBody> }>(`${P}/proxy/:id/close`, { config: { permission: 'gridwork.proxy' }, schema: { tags, summary: '代办事项办结或取消', params: s.IdParams, body: s.ProxyCloseBody } }, async (req) =>
      proxy.closeProxyService(ctx, actorOf(req), req.params.id, req.body),
    );
  }

  // ------------------------------------------------------------ one-stop desk
  {
    const tags = ['grid-work · 一门式办事'];
    app.get<{ Querystring: Static<typeof s.DeskQuery> }>(`${P}/desk/search`, { config: { permission: 'gridwork.desk' }, schema: { tags, summary: '按姓名、手机号或身份证号查找居民（脱敏）', querystring: s.DeskQuery } }, async (req) => desk.deskSearch(ctx, actorOf(req), req.query));
    app.get<Id>(`${P}/desk/residents/:id`, { config: { permission: 'gridwork.desk' }, schema: { tags, summary: '居民一览：在办事项、走访、联系人', params: s.IdParams } }, async (req) => desk.deskResident(ctx, actorOf(req), req.params.id));
  }

  // ------------------------------------------------------------ party structure
  {
    const tags = ['grid-work · 党建引领'];
    app.get<{ Querystring: Static<typeof s.NodeQuery> }>(`${P}/party`, { config: { permission: 'party.read' }, schema: { tags, summary: '党组织架构（社区党委—小区党支部—楼栋党小组）、党员与交叉任职', querystring: s.NodeQuery } }, async (req) => party.partyStructure(ctx, actorOf(req), req.query));
    app.get<{ Querystring: Static<typeof s.NodeQuery> }>(`${P}/party/household-contacts`, { config: { permission: 'party.read' }, schema: { tags, summary: '党员中心户及联系户', querystring: s.NodeQuery } }, async (req) => party.householdContacts(ctx, actorOf(req), req.query));
    app.post<{ Body: Static<typeof s.PartyOrgBody> }>(`${P}/party/orgs`, { config: { permission: 'party.write' }, schema: { tags, summary: '新建党组织', body: s.PartyOrgBody } }, async (req, reply) => reply.status(201).send(await party.createPartyOrg(ctx, actorOf(req), req.body)));
    app.post<{ Body: Static<typeof s.PartyMemberBody> }>(`${P}/party/members`, { config: { permission: 'party.write' }, schema: { tags, summary: '登记党员（须为标记党员的居民）', body: s.PartyMemberBody } }, async (req, reply) =>
      reply.status(201).send(await party.addPartyMember(ctx, actorOf(req), req.body)),
    );
    app.put<Id & { Body: Static<typeof s.HouseholdsBody> }>(
      `${P}/party/members/:id/households`,
      { config: { permission: 'party.write' }, schema: { tags, summary: '设为党员中心户并关联联系户', params: s.IdParams, body: s.HouseholdsBody } },
      async (req) => party.linkContactHouseholds(ctx, actorOf(req), req.params.id, req.body.householdIds),
    );
    app.post<Id & { Body: Static<typeof s.CrossPostBody> }>(
      `${P}/party/members/:id/cross-posts`,
      { config: { permission: 'party.write' }, schema: { tags, summary: '双向进入、交叉任职', params: s.IdParams, body: s.CrossPostBody } },
      async (req, reply) => reply.status(201).send(await party.addCrossPost(ctx, actorOf(req), req.params.id, req.body)),
    );
    app.get<{ Querystring: Static<typeof s.SitesQuery> }>(`${P}/service-sites`, { config: { auth: 'public' }, schema: { tags, summary: '党群服务阵地（街道—社区—小区）：开放时间与服务项目', querystring: s.SitesQuery } }, async (req) => party.listServiceSites(ctx, req.query));
    app.post<{ Body: Static<typeof s.SiteBody> }>(`${P}/service-sites`, { config: { permission: 'party.write' }, schema: { tags, summary: '新建或修改党群服务阵地', body: s.SiteBody } }, async (req) => party.upsertServiceSite(ctx, actorOf(req), req.body));
  }
}
