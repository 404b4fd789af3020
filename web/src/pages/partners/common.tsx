import { Tag } from 'antd';

export interface Partner {
  id: string;
  name: string;
  type: 'resource' | 'professional' | 'volunteer';
  typeName: string;
  form: 'organisation' | 'person';
  merchant: boolean;
  services: string[];
  contactName: string | null;
  phone: string | null;
  description: string;
  communityName: string | null;
  status: string;
  creditScore: number;
  creditLevel: string;
  creditLevelName: string;
}

export interface PartnerDetail extends Partner {
  agreements: Array<{ id: string; title: string; content: string; startsOn: string; endsOn: string; status: string; current: boolean }>;
  credit: { score: number; level: string; onTime: number; late: number; evaluations: number; averageEvaluation: number | null; points: number; violations: number };
  creditEvents: Array<{ id: string; kind: string; value: number; note: string; at: string }>;
  account: { id: string; balance: number; kind: string } | null;
}

export interface Project {
  id: string;
  title: string;
  description: string;
  category: string;
  communityName: string | null;
  budget: number;
  resources: string;
  pointsOffered: number;
  dueOn: string | null;
  status: 'draft' | 'published' | 'in_progress' | 'completed' | 'evaluated' | 'cancelled';
  statusName: string;
  partnerId: string | null;
  partnerName: string | null;
  weights: { resident: number; staff: number; third_party: number };
  finalScore: number | null;
  pointsPaid: number | null;
  createdAt: string;
}

export interface ProjectDetail extends Project {
  claims: Array<{ id: string; partnerId: string; partnerName: string; creditLevel: string; creditScore: number; plan: string; status: string; createdAt: string }>;
  logs: Array<{ id: string; kind: string; content: string; authorName: string; at: string }>;
  evaluations: Array<{ id: string; kind: string; evaluatorName: string; score: number; comment: string; at: string }>;
  evaluationSummary: { score: number | null; groups: Array<{ kind: string; count: number; average: number | null; weight: number; effectiveWeight: number }> };
  myEvaluation: { score: number; comment: string } | null;
  canClaim: boolean;
  canEvaluate: boolean;
  isRunner: boolean;
}

const STATUS_COLORS: Record<Project['status'], string> = { draft: 'default', published: 'blue', in_progress: 'orange', completed: 'purple', evaluated: 'green', cancelled: 'default' };
export function ProjectStatusTag({ p }: { p: Pick<Project, 'status' | 'statusName'> }) {
  return <Tag color={STATUS_COLORS[p.status]}>{p.statusName}</Tag>;
}

const LEVEL_COLORS: Record<string, string> = { AAA: 'gold', AA: 'green', A: 'blue', B: 'default' };
export function CreditTag({ p }: { p: Pick<Partner, 'creditLevel' | 'creditLevelName' | 'creditScore'> }) {
  return (
    <Tag color={LEVEL_COLORS[p.creditLevel] ?? 'default'}>
      {p.creditLevel} {p.creditLevelName} · {p.creditScore}
    </Tag>
  );
}

export const EVALUATOR_KINDS: Record<string, string> = { resident: '居民', staff: '工作人员', third_party: '第三方' };
export const LOG_KINDS: Record<string, string> = { progress: '进展', issue: '问题', completion: '完成报告', confirmation: '确认完成', status: '状态' };
export const CREDIT_KINDS: Record<string, string> = { on_time: '按期履约', late: '逾期', evaluation: '项目评价', points: '获得积分', violation: '违约' };
export const NEED_CATEGORIES = ['为老服务', '儿童青少年', '环境美化', '文体活动', '法律服务', '健康服务', '便民服务', '其他'];
