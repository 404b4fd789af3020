/**
 * The staff console's menu and routes, as data. To add a screen: write its page component under
 * pages/console/ and add ONE entry here — the side menu, the route, the access check and the
 * workbench shortcuts all follow from it.
 *
 * Access: an entry shows when the user has `permission` (if set) AND one of `roles` (if set).
 * Entries with `hidden: true` get a route but no menu item (detail pages such as /cases/:id).
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import { ApartmentOutlined, BankOutlined, BookOutlined, CameraOutlined, DashboardOutlined, DatabaseOutlined, FileSearchOutlined, SolutionOutlined, TagsOutlined, TeamOutlined } from '@ant-design/icons';
import { AimOutlined as GridWorkIcon, ClusterOutlined as GwPartyIcon, CompassOutlined as GwFieldIcon, ContactsOutlined as GwTeamIcon, FileExcelOutlined as GwImportIcon, HomeOutlined as GwVisitIcon, RadarChartOutlined as GwCoverageIcon, ShopOutlined as GwDeskIcon } from '@ant-design/icons';
import { AlertOutlined as MedWarningIcon, BarChartOutlined as MedStatsIcon, FileDoneOutlined as MedDisputeIcon, FileTextOutlined as MedDetailIcon, FormOutlined as MedApplyIcon, IdcardOutlined as MedExpertIcon, PhoneOutlined as MedFollowupIcon, ReadOutlined as MedLegalIcon, SafetyCertificateOutlined as MediationIcon } from '@ant-design/icons';
import { AuditOutlined as DelibResolutionIcon, CommentOutlined as DelibIcon, FileProtectOutlined as DelibConventionIcon, CheckSquareOutlined as DelibVoteIcon, TeamOutlined as DelibMeetingIcon, BulbOutlined as DelibTopicIcon } from '@ant-design/icons';
import { AccountBookOutlined as LedgerAccountsIcon, AuditOutlined as LedgerClaimsIcon, ClockCircleOutlined as LedgerTimeIcon, GiftOutlined as LedgerRewardsIcon, HeartOutlined as PartnersIcon, ProjectOutlined as ProjectsIcon, ShopOutlined as PartnerHomeIcon, TrophyOutlined as LedgerIcon, UsergroupAddOutlined as SocialOrgsIcon } from '@ant-design/icons';
import { AlertOutlined as SvcSosIcon, CalendarOutlined as SvcActivityIcon, CustomerServiceOutlined as SvcGroupIcon, FileDoneOutlined as SvcApplicationsIcon, NotificationOutlined as SvcNoticeIcon, QuestionCircleOutlined as SvcAssistantIcon, ShopOutlined as SvcRoomIcon, ToolOutlined as SvcRepairIcon } from '@ant-design/icons';
import { BarChartOutlined as CasesEvalIcon, BellOutlined as CasesInboxIcon, CheckCircleOutlined as CasesVerifyIcon, FileTextOutlined as CasesDetailIcon, FireOutlined as CasesBoardIcon, InboxOutlined as CasesQueueIcon, ScheduleOutlined as CasesWorkIcon, SearchOutlined as CasesTrackIcon } from '@ant-design/icons';
import { AlertOutlined as IotAlarmIcon, ApiOutlined as IotIcon, BranchesOutlined as DispatchRulesIcon, ControlOutlined as IotRulesIcon, EnvironmentOutlined as IotMapIcon, ExperimentOutlined as DispatchPlayIcon, HeatMapOutlined as DispatchEvalIcon, LineChartOutlined as IotDeviceIcon, WifiOutlined as IotDevicesIcon } from '@ant-design/icons';
import { FundProjectionScreenOutlined as AnalyticsCenterIcon, SendOutlined as WebhooksIcon } from '@ant-design/icons';
import { CloudUploadOutlined as AnalyticsImportIcon } from '@ant-design/icons';
import { IssuesCloseOutlined as AnalyticsRepeatsIcon } from '@ant-design/icons';
import { ReconciliationOutlined as AnalyticsReportsIcon } from '@ant-design/icons';
import './pages/h5/services/services.css';
import type { Localized } from './i18n';
import type { Me, Role } from './types';

export type MenuGroupKey = 'cases' | 'base' | 'gridwork' | 'deliberation' | 'mediation' | 'ledger' | 'services' | 'iot';

export interface MenuGroup {
  key: MenuGroupKey;
  label: Localized;
  icon: ComponentType;
}

export interface MenuEntry {
  key: string;
  label: Localized;
  icon: ComponentType;
  /** route path (react-router syntax, e.g. '/cases/:id') */
  path: string;
  page: LazyExoticComponent<ComponentType>;
  /** shown when the user holds this permission (as listed by /api/auth/me) */
  permission?: string;
  /** shown only for these roles */
  roles?: Role[];
  /** a submenu to place the item in; top level when absent */
  group?: MenuGroupKey;
  /** route only, no menu item */
  hidden?: boolean;
  /** shown as a shortcut card on the workbench */
  shortcut?: boolean;
}

/**
 * Submenus, in display order. 事件处置 (cases) is where the dispatcher queue, worklists and case
 * detail go: a group with no visible entries is not shown.
 */
export const MENU_GROUPS: MenuGroup[] = [
  { key: 'cases', label: { zh: '事件处置', en: 'Cases' }, icon: SolutionOutlined },
  { key: 'base', label: { zh: '基础数据', en: 'Reference data' }, icon: DatabaseOutlined },
  { key: 'gridwork', label: { zh: '网格化治理', en: 'Grid work' }, icon: GridWorkIcon },
  { key: 'deliberation', label: { zh: '议事协商', en: 'Deliberation' }, icon: DelibIcon },
  { key: 'mediation', label: { zh: '矛盾纠纷调解', en: 'Mediation' }, icon: MediationIcon },
  { key: 'ledger', label: { zh: '积分银行与合伙人', en: 'Points bank & partners' }, icon: LedgerIcon },
  { key: 'services', label: { zh: '社区服务', en: 'Community services' }, icon: SvcGroupIcon },
  { key: 'iot', label: { zh: '物联网感知', en: 'City sensing' }, icon: IotIcon },
];

export const MENU: MenuEntry[] = [
  { key: 'home', label: { zh: '工作台', en: 'Dashboard' }, icon: DashboardOutlined, path: '/', page: lazy(() => import('./pages/console/HomePage')) },
  { key: 'analytics.center', label: { zh: '指挥中心大屏', en: 'Command center' }, icon: AnalyticsCenterIcon, path: '/analytics/command-center', permission: 'analytics.view', shortcut: true, page: lazy(() => import('./pages/analytics/CommandCenterPage')) },
  { key: 'analytics.external-import', label: { zh: '12345/信访数据导入', en: '12345 / petition import' }, icon: AnalyticsImportIcon, path: '/analytics/external-import', permission: 'analytics.import', page: lazy(() => import('./pages/analytics/ExternalImportPage')) },
  { key: 'analytics.repeats', label: { zh: '重复问题分析', en: 'Repeated problems' }, icon: AnalyticsRepeatsIcon, path: '/analytics/repeats', permission: 'analytics.view', page: lazy(() => import('./pages/analytics/RepeatsPage')) },
  { key: 'analytics.reports', label: { zh: '统计报表', en: 'Reports' }, icon: AnalyticsReportsIcon, path: '/analytics/reports', permission: 'analytics.view', page: lazy(() => import('./pages/analytics/ReportsPage')) },
  { key: 'cases.queue', group: 'cases', label: { zh: '受理派遣', en: 'Dispatch queue' }, icon: CasesQueueIcon, path: '/cases/queue', permission: 'cases.dispatch', shortcut: true, page: lazy(() => import('./pages/cases/QueuePage')) },
  { key: 'cases.worklist', group: 'cases', label: { zh: '我的工单', en: 'My work' }, icon: CasesWorkIcon, path: '/cases/worklist', permission: 'cases.handle', shortcut: true, page: lazy(() => import('./pages/cases/WorklistPage')) },
  { key: 'cases.verify', group: 'cases', label: { zh: '核查任务', en: 'Verification' }, icon: CasesVerifyIcon, path: '/cases/verification', permission: 'cases.verify', shortcut: true, page: lazy(() => import('./pages/cases/VerifyPage')) },
  { key: 'cases.board', group: 'cases', label: { zh: '督办', en: 'Supervision' }, icon: CasesBoardIcon, path: '/cases/board', permission: 'cases.supervise', shortcut: true, page: lazy(() => import('./pages/cases/BoardPage')) },
  { key: 'cases.evaluation', group: 'cases', label: { zh: '综合评价', en: 'Evaluation' }, icon: CasesEvalIcon, path: '/cases/evaluation', permission: 'cases.evaluate', page: lazy(() => import('./pages/cases/EvaluationPage')) },
  { key: 'cases.inbox', group: 'cases', label: { zh: '消息', en: 'Inbox' }, icon: CasesInboxIcon, path: '/inbox', page: lazy(() => import('./pages/cases/InboxPage')) },
  { key: 'cases.detail', group: 'cases', hidden: true, label: { zh: '案卷详情', en: 'Case' }, icon: CasesDetailIcon, path: '/cases/:id', page: lazy(() => import('./pages/cases/CaseDetailPage')) },
  { key: 'dispatch.playground', group: 'cases', label: { zh: '智能分派', en: 'Classify & route' }, icon: DispatchPlayIcon, path: '/dispatch/playground', permission: 'dispatch.classify', page: lazy(() => import('./pages/dispatch/PlaygroundPage')) },
  { key: 'dispatch.rules', group: 'cases', label: { zh: '分派规则', en: 'Routing rules' }, icon: DispatchRulesIcon, path: '/dispatch/rules', permission: 'dispatch.rules.read', page: lazy(() => import('./pages/dispatch/RulesPage')) },
  { key: 'dispatch.evaluation', group: 'cases', label: { zh: '分类评估', en: 'Classifier evaluation' }, icon: DispatchEvalIcon, path: '/dispatch/evaluation', permission: 'dispatch.stats.read', page: lazy(() => import('./pages/dispatch/EvaluationPage')) },
  { key: 'iot.devices', group: 'iot', label: { zh: '设备管理', en: 'Devices' }, icon: IotDevicesIcon, path: '/iot/devices', permission: 'iot.read', shortcut: true, page: lazy(() => import('./pages/iot/DevicesPage')) },
  { key: 'iot.map', group: 'iot', label: { zh: '设备地图', en: 'Device map' }, icon: IotMapIcon, path: '/iot/map', permission: 'iot.read', page: lazy(() => import('./pages/iot/DeviceMapPage')) },
  { key: 'iot.device', group: 'iot', hidden: true, label: { zh: '设备详情', en: 'Device' }, icon: IotDeviceIcon, path: '/iot/devices/:id', permission: 'iot.read', page: lazy(() => import('./pages/iot/DeviceDetailPage')) },
  { key: 'iot.alarms', group: 'iot', label: { zh: '告警中心', en: 'Alarm board' }, icon: IotAlarmIcon, path: '/iot/alarms', permission: 'iot.read', shortcut: true, page: lazy(() => import('./pages/iot/AlarmsPage')) },
  { key: 'iot.rules', group: 'iot', label: { zh: '告警规则', en: 'Alarm rules' }, icon: IotRulesIcon, path: '/iot/rules', permission: 'iot.rules.write', page: lazy(() => import('./pages/iot/AlarmRulesPage')) },
  { key: 'org', group: 'base', label: { zh: '组织架构', en: 'Organisation' }, icon: ApartmentOutlined, path: '/org', permission: 'org.read', shortcut: true, page: lazy(() => import('./pages/console/OrgPage')) },
  { key: 'residents', group: 'base', label: { zh: '居民管理', en: 'Residents' }, icon: TeamOutlined, path: '/residents', permission: 'residents.read', shortcut: true, page: lazy(() => import('./pages/console/ResidentsPage')) },
  { key: 'departments', group: 'base', label: { zh: '处置部门', en: 'Departments' }, icon: BankOutlined, path: '/departments', shortcut: true, page: lazy(() => import('./pages/console/DepartmentsPage')) },
  { key: 'categories', group: 'base', label: { zh: '事件分类', en: 'Case categories' }, icon: TagsOutlined, path: '/categories', shortcut: true, page: lazy(() => import('./pages/console/CategoriesPage')) },
  { key: 'webhooks', group: 'base', label: { zh: 'Webhook 订阅', en: 'Webhooks' }, icon: WebhooksIcon, path: '/webhooks', permission: 'webhooks.manage', page: lazy(() => import('./pages/console/WebhooksPage')) },
  { key: 'gridwork.field', group: 'gridwork', label: { zh: '巡查走访', en: 'Patrol & visits' }, icon: GwFieldIcon, path: '/grid-work/field', permission: 'gridwork.patrol', shortcut: true, page: lazy(() => import('./pages/grid-work/FieldPage')) },
  { key: 'gridwork.desk', group: 'gridwork', label: { zh: '一门式办事', en: 'One-stop desk' }, icon: GwDeskIcon, path: '/grid-work/desk', permission: 'gridwork.desk', shortcut: true, page: lazy(() => import('./pages/grid-work/DeskPage')) },
  { key: 'gridwork.visits', group: 'gridwork', label: { zh: '走访计划', en: 'Visit plan' }, icon: GwVisitIcon, path: '/grid-work/visits', permission: 'gridwork.read', page: lazy(() => import('./pages/grid-work/VisitsPage')) },
  { key: 'gridwork.teams', group: 'gridwork', label: { zh: '网格团队', en: 'Grid teams' }, icon: GwTeamIcon, path: '/grid-work/teams', permission: 'gridwork.read', page: lazy(() => import('./pages/grid-work/TeamsPage')) },
  { key: 'gridwork.coverage', group: 'gridwork', label: { zh: '巡查覆盖', en: 'Patrol coverage' }, icon: GwCoverageIcon, path: '/grid-work/coverage', permission: 'gridwork.coverage', page: lazy(() => import('./pages/grid-work/CoveragePage')) },
  { key: 'gridwork.import', group: 'gridwork', label: { zh: '居民导入', en: 'Import residents' }, icon: GwImportIcon, path: '/grid-work/import', permission: 'gridwork.import', page: lazy(() => import('./pages/grid-work/ImportPage')) },
  { key: 'gridwork.party', group: 'gridwork', label: { zh: '党建引领', en: 'Party structure' }, icon: GwPartyIcon, path: '/grid-work/party', permission: 'party.read', page: lazy(() => import('./pages/grid-work/PartyPage')) },
  { key: 'deliberation.topics', group: 'deliberation', label: { zh: '议题看板', en: 'Topics' }, icon: DelibTopicIcon, path: '/deliberation/topics', permission: 'deliberation.read', shortcut: true, page: lazy(() => import('./pages/deliberation/TopicsPage')) },
  { key: 'deliberation.meetings', group: 'deliberation', label: { zh: '议事会议', en: 'Meetings' }, icon: DelibMeetingIcon, path: '/deliberation/meetings', permission: 'deliberation.read', page: lazy(() => import('./pages/deliberation/MeetingsPage')) },
  { key: 'deliberation.votes', group: 'deliberation', label: { zh: '表决', en: 'Votes' }, icon: DelibVoteIcon, path: '/deliberation/votes', permission: 'deliberation.read', page: lazy(() => import('./pages/deliberation/VotesPage')) },
  { key: 'deliberation.resolutions', group: 'deliberation', label: { zh: '决议落实', en: 'Resolutions' }, icon: DelibResolutionIcon, path: '/deliberation/resolutions', permission: 'deliberation.read', page: lazy(() => import('./pages/deliberation/ResolutionsPage')) },
  { key: 'deliberation.conventions', group: 'deliberation', label: { zh: '社区公约', en: 'Conventions' }, icon: DelibConventionIcon, path: '/deliberation/conventions', permission: 'deliberation.read', page: lazy(() => import('./pages/deliberation/ConventionsPage')) },
  { key: 'mediation.disputes', group: 'mediation', label: { zh: '纠纷台账', en: 'Disputes' }, icon: MedDisputeIcon, path: '/mediation/disputes', permission: 'mediation.read', shortcut: true, page: lazy(() => import('./pages/mediation/DisputesPage')) },
  { key: 'mediation.detail', group: 'mediation', hidden: true, label: { zh: '纠纷详情', en: 'Dispute' }, icon: MedDetailIcon, path: '/mediation/disputes/:id', permission: 'mediation.read', page: lazy(() => import('./pages/mediation/DisputeDetailPage')) },
  { key: 'mediation.followups', group: 'mediation', label: { zh: '回访任务', en: 'Follow-up visits' }, icon: MedFollowupIcon, path: '/mediation/followups', permission: 'mediation.read', page: lazy(() => import('./pages/mediation/FollowupsPage')) },
  { key: 'mediation.warnings', group: 'mediation', label: { zh: '矛盾预警', en: 'Early warnings' }, icon: MedWarningIcon, path: '/mediation/warnings', permission: 'mediation.read', page: lazy(() => import('./pages/mediation/WarningsPage')) },
  { key: 'mediation.experts', group: 'mediation', label: { zh: '专家库', en: 'Expert pool' }, icon: MedExpertIcon, path: '/mediation/experts', permission: 'mediation.read', page: lazy(() => import('./pages/mediation/ExpertsPage')) },
  { key: 'mediation.legal-aid', group: 'mediation', label: { zh: '法律咨询', en: 'Legal aid' }, icon: MedLegalIcon, path: '/mediation/legal-aid', permission: 'mediation.read', page: lazy(() => import('./pages/mediation/LegalAidPage')) },
  { key: 'mediation.stats', group: 'mediation', label: { zh: '调解统计', en: 'Statistics' }, icon: MedStatsIcon, path: '/mediation/statistics', permission: 'mediation.read', page: lazy(() => import('./pages/mediation/StatsPage')) },
  { key: 'partner.home', label: { zh: '合伙人工作台', en: 'Partner workbench' }, icon: PartnerHomeIcon, path: '/partner', roles: ['partner'], shortcut: true, page: lazy(() => import('./pages/partners/PartnerHomePage')) },
  { key: 'ledger.accounts', group: 'ledger', label: { zh: '积分与时间账户', en: 'Accounts' }, icon: LedgerAccountsIcon, path: '/ledger/accounts', permission: 'ledger.read', page: lazy(() => import('./pages/ledger/AccountsPage')) },
  { key: 'ledger.claims', group: 'ledger', label: { zh: '积分规则与审核', en: 'Earning rules' }, icon: LedgerClaimsIcon, path: '/ledger/claims', permission: 'ledger.read', page: lazy(() => import('./pages/ledger/ClaimsPage')) },
  { key: 'ledger.rewards', group: 'ledger', label: { zh: '积分兑换与核销', en: 'Rewards' }, icon: LedgerRewardsIcon, path: '/ledger/rewards', permission: 'ledger.verify', page: lazy(() => import('./pages/ledger/RewardsPage')) },
  { key: 'ledger.timebank', group: 'ledger', label: { zh: '时间银行', en: 'Time bank' }, icon: LedgerTimeIcon, path: '/ledger/timebank', permission: 'ledger.read', page: lazy(() => import('./pages/ledger/TimebankPage')) },
  { key: 'partners.registry', group: 'ledger', label: { zh: '社区合伙人', en: 'Partners' }, icon: PartnersIcon, path: '/partners', permission: 'partners.read', page: lazy(() => import('./pages/partners/PartnersPage')) },
  { key: 'partners.projects', group: 'ledger', label: { zh: '项目看板', en: 'Projects' }, icon: ProjectsIcon, path: '/partners/projects', permission: 'partners.read', shortcut: true, page: lazy(() => import('./pages/partners/ProjectsPage')) },
  { key: 'partners.social-orgs', group: 'ledger', label: { zh: '社会组织孵化', en: 'Social organisations' }, icon: SocialOrgsIcon, path: '/partners/social-orgs', permission: 'partners.read', page: lazy(() => import('./pages/partners/SocialOrgsPage')) },
  { key: 'services.announcements', group: 'services', label: { zh: '通知公告', en: 'Notices' }, icon: SvcNoticeIcon, path: '/services/announcements', permission: 'services.announce', shortcut: true, page: lazy(() => import('./pages/services/AnnouncementsPage')) },
  { key: 'services.activities', group: 'services', label: { zh: '社区活动', en: 'Activities' }, icon: SvcActivityIcon, path: '/services/activities', permission: 'services.activities.manage', page: lazy(() => import('./pages/services/ActivitiesPage')) },
  { key: 'services.applications', group: 'services', label: { zh: '办事申请', en: 'Applications' }, icon: SvcApplicationsIcon, path: '/services/applications', permission: 'services.applications.handle', shortcut: true, page: lazy(() => import('./pages/services/ApplicationsPage')) },
  { key: 'services.assistant', group: 'services', label: { zh: '问答知识库', en: 'Assistant knowledge' }, icon: SvcAssistantIcon, path: '/services/assistant', permission: 'services.kb.write', page: lazy(() => import('./pages/services/KnowledgePage')) },
  { key: 'services.emergencies', group: 'services', label: { zh: '紧急求助', en: 'Emergency calls' }, icon: SvcSosIcon, path: '/services/emergencies', permission: 'services.emergency.handle', page: lazy(() => import('./pages/services/EmergenciesPage')) },
];

export function canSee(entry: Pick<MenuEntry, 'permission' | 'roles'>, me: Me): boolean {
  if (entry.permission && !me.permissions.includes(entry.permission)) return false;
  if (entry.roles && !entry.roles.some((r) => me.roles.includes(r))) return false;
  return true;
}

export function visibleEntries(me: Me): MenuEntry[] {
  return MENU.filter((e) => canSee(e, me));
}

/**
 * The resident app's (H5) home tiles. A tile without `page` is listed as 即将开放 and is not a
 * link; the cases engineer sets `page` for 我要上报 / 我的上报 when the cases API lands.
 */
export interface H5Tile {
  key: string;
  label: Localized;
  description: Localized;
  icon: ComponentType;
  path: string;
  page?: LazyExoticComponent<ComponentType>;
  permission?: string;
}

export const H5_TILES: H5Tile[] = [
  { key: 'report', label: { zh: '我要上报', en: 'Report a problem' }, description: { zh: '拍照上报身边的问题', en: 'Take a photo of an issue nearby' }, icon: CameraOutlined, path: '/h5/report', permission: 'cases.report', page: lazy(() => import('./pages/h5/cases/H5ReportPage')) },
  { key: 'my-reports', label: { zh: '我的上报', en: 'My reports' }, description: { zh: '查看办理进度和结果', en: 'Follow progress and results' }, icon: FileSearchOutlined, path: '/h5/reports', permission: 'cases.report', page: lazy(() => import('./pages/h5/cases/H5MyReportsPage')) },
  { key: 'cases.track', label: { zh: '进度查询', en: 'Track a case' }, description: { zh: '凭案卷编号或查询码查看办理进度', en: 'Follow a case by its number or code' }, icon: CasesTrackIcon, path: '/h5/track', page: lazy(() => import('./pages/h5/cases/H5TrackPage')) },
  { key: 'guide', label: { zh: '办事指南', en: 'Service guide' }, description: { zh: '常办事项、所需材料', en: 'Common services and documents' }, icon: BookOutlined, path: '/h5/guide', page: lazy(() => import('./pages/h5/services/H5GuidePage')) },
  { key: 'gridwork.field', label: { zh: '巡查走访', en: 'Patrol & visits' }, description: { zh: '网格员巡查、上报、走访（可离线）', en: 'Grid worker patrols, reports and visits (works offline)' }, icon: GwFieldIcon, path: '/h5/patrol', permission: 'gridwork.patrol', page: lazy(() => import('./pages/grid-work/FieldPage')) },
  { key: 'deliberation', label: { zh: '议事厅', en: 'Deliberation hall' }, description: { zh: '有事好商量：提议、附议、表决、公约', en: 'Propose, support, vote, conventions' }, icon: DelibIcon, path: '/h5/deliberation', page: lazy(() => import('./pages/deliberation/H5DeliberationPage')) },
  { key: 'mediation.apply', label: { zh: '申请调解', en: 'Ask for mediation' }, description: { zh: '邻里、家庭、物业等纠纷在线申请调解', en: 'Apply online to settle a dispute' }, icon: MedApplyIcon, path: '/h5/mediation/apply', permission: 'mediation.apply', page: lazy(() => import('./pages/mediation/H5ApplyPage')) },
  { key: 'mediation.mine', label: { zh: '我的调解', en: 'My mediation' }, description: { zh: '调解进度、协议书下载', en: 'Progress and agreements' }, icon: MediationIcon, path: '/h5/mediation/mine', permission: 'mediation.apply', page: lazy(() => import('./pages/mediation/H5MinePage')) },
  { key: 'mediation.legal-aid', label: { zh: '法律咨询', en: 'Legal advice' }, description: { zh: '律师、调解专家解答法律问题', en: 'Lawyers answer your questions' }, icon: MedLegalIcon, path: '/h5/mediation/legal-aid', permission: 'mediation.apply', page: lazy(() => import('./pages/mediation/H5LegalAidPage')) },
  { key: 'ledger.points', label: { zh: '我的积分', en: 'My points' }, description: { zh: '积分、时间银行、兑换好礼', en: 'Points, time bank and rewards' }, icon: LedgerIcon, path: '/h5/points', page: lazy(() => import('./pages/ledger/H5PointsPage')) },
  { key: 'partners.projects', label: { zh: '社区项目', en: 'Community projects' }, description: { zh: '项目进展、评价，提交需求', en: 'Follow, evaluate, suggest needs' }, icon: ProjectsIcon, path: '/h5/projects', page: lazy(() => import('./pages/partners/H5ProjectsPage')) },
  { key: 'sos', label: { zh: '一键报警', en: 'Emergency call' }, description: { zh: '紧急情况，社区值班人员马上响应', en: 'The duty staff answer at once' }, icon: SvcSosIcon, path: '/h5/sos', page: lazy(() => import('./pages/h5/services/H5SosPage')) },
  { key: 'notices', label: { zh: '通知公告', en: 'Notices' }, description: { zh: '社区通知、停水停电、活动消息', en: 'Community notices' }, icon: SvcNoticeIcon, path: '/h5/notices', page: lazy(() => import('./pages/h5/services/H5NoticesPage')) },
  { key: 'activities', label: { zh: '社区活动', en: 'Activities' }, description: { zh: '讲座、兴趣班，报名和签到', en: 'Talks and classes: sign up, check in' }, icon: SvcActivityIcon, path: '/h5/activities', page: lazy(() => import('./pages/h5/services/H5ActivitiesPage')) },
  { key: 'applications', label: { zh: '我的办事', en: 'My applications' }, description: { zh: '网上申请的办理进度', en: 'Where your applications stand' }, icon: SvcApplicationsIcon, path: '/h5/applications', page: lazy(() => import('./pages/h5/services/H5ApplicationsPage')) },
  { key: 'assistant', label: { zh: '有问必答', en: 'Ask us' }, description: { zh: '常见问题，马上回答', en: 'Answers to common questions' }, icon: SvcAssistantIcon, path: '/h5/assistant', page: lazy(() => import('./pages/h5/services/H5AssistantPage')) },
  { key: 'repair', label: { zh: '物业报修', en: 'Estate repairs' }, description: { zh: '楼道灯、门禁、水管坏了', en: 'Shared parts of the estate' }, icon: SvcRepairIcon, path: '/h5/repair', permission: 'cases.report', page: lazy(() => import('./pages/h5/services/H5RepairPage')) },
  { key: 'rooms', label: { zh: '场地预约', en: 'Book a room' }, description: { zh: '社区活动室、书画室', en: 'Community rooms' }, icon: SvcRoomIcon, path: '/h5/rooms', page: lazy(() => import('./pages/h5/services/H5RoomsPage')) },
];

export function visibleTiles(me: Me): H5Tile[] {
  return H5_TILES.filter((t) => canSee(t, me));
}
