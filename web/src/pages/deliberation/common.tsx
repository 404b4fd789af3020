/** Shared types and bits of the deliberation screens (议事厅): console and H5. */
import './deliberation.css';
import { useCallback } from 'react';
import { Progress, Tag } from 'antd';
import dayjs from 'dayjs';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import type { FileView } from '../cases/common';

export type { PageResult, FileView };
export { PhotoPicker, Photos } from '../cases/common';

/** Texts of these screens are written as {zh, en} pairs next to their use. */
export function useL(): (zh: string, en: string) => string {
  const { tl } = useI18n();
  return useCallback((zh: string, en: string) => tl({ zh, en }), [tl]);
}

export type TopicStatus = 'proposed' | 'supported' | 'accepted' | 'rejected' | 'withdrawn' | 'expired' | 'scheduled' | 'agreed' | 'voting' | 'passed' | 'failed' | 'resolved' | 'completed';

export interface Topic {
  id: string;
  title: string;
  body: string;
  category: string;
  nodeId: string;
  nodePath: string;
  nodeName: string;
  proposerName: string;
  mine: boolean;
  status: TopicStatus;
  statusLabel: string;
  supportThreshold: number;
  supportCount: number;
  supportDeadline: string;
  supportedByMe: boolean;
  reviewNote: string | null;
  createdAt: string;
}

export interface TopicComment {
  id: string;
  authorName: string;
  isStaff: boolean;
  body: string;
  createdAt: string;
  mine: boolean;
  /** staff only */
  hidden?: boolean;
  hiddenReason?: string | null;
  reportCount?: number;
}

export interface TopicDetail extends Topic {
  canSupport: boolean;
  canManage: boolean;
  photos: FileView[];
  comments: TopicComment[];
  meetings: Array<{ id: string; title: string; startsAt: string; status: string; outcome: string | null; note: string | null }>;
  votes: Array<{ id: string; title: string; status: string; passed: boolean | null; closesAt: string }>;
  resolutions: Array<{ id: string; title: string; status: string; progress: number; dueDate: string }>;
}

export interface Meeting {
  id: string;
  title: string;
  nodeId: string;
  nodeName: string;
  startsAt: string;
  endsAt: string;
  location: string | null;
  mode: 'in_person' | 'online' | 'hybrid';
  modeLabel: string;
  onlineUrl: string | null;
  invitees: Array<{ kind: string; kindLabel: string; name: string; org?: string }>;
  status: 'scheduled' | 'held' | 'cancelled';
  minutes: string | null;
  minutesPublishedAt: string | null;
}

export interface MeetingDetail extends Meeting {
  agenda: Array<{ id: string; seq: number; topicId: string | null; title: string; topicStatus: TopicStatus | null; outcome: string | null; note: string | null }>;
  signinCount: number;
  residentSigninCount: number;
  signedInByMe: boolean;
  signins: Array<{ name: string; kind: string; method: string; signedAt: string }>;
  canManage: boolean;
}

export type Choice = 'agree' | 'oppose' | 'abstain';

export interface TallyResult {
  eligibleCount: number;
  eligibleAreaM2: number;
  participated: number;
  participatedAreaM2: number;
  turnout: number;
  areaTurnout: number | null;
  counts: Record<Choice, number>;
  areasM2: Record<Choice, number> | null;
  quorumMet: boolean;
  quorumPct: number | null;
  passed: boolean;
  explanation: string;
}

export interface Vote {
  id: string;
  title: string;
  description: string;
  topicId: string | null;
  conventionId: string | null;
  conventionVersion: number | null;
  nodeName: string;
  method: 'resident' | 'household' | 'owner';
  methodLabel: string;
  rule: 'simple' | 'two_thirds' | 'double_majority' | 'double_three_quarters';
  ruleLabel: string;
  ballot: 'real_name' | 'secret';
  ballotLabel: string;
  quorumPct: number | null;
  eligibility: 'all' | 'owners' | 'household_heads' | 'listed';
  eligibilityLabel: string;
  opensAt: string;
  closesAt: string;
  status: 'open' | 'closed' | 'cancelled';
  phase: 'upcoming' | 'open' | 'counting' | 'closed' | 'cancelled';
  eligibleCount: number;
  eligibleAreaM2: number;
  passed: boolean | null;
  result: TallyResult | null;
}

export interface VoteDetail extends Vote {
  turnout: { participated: number; participatedAreaM2: number; rate: number; areaRate: number | null };
  my: { eligible: boolean; voted: boolean; choice: Choice | null; castAt: string | null; byHousehold: boolean; onlyMember: string | null } | null;
  canManage: boolean;
}

export interface Resolution {
  id: string;
  title: string;
  content: string;
  nodeName: string;
  topicId: string | null;
  voteId: string | null;
  meetingId: string | null;
  assignee: string;
  dueDate: string;
  status: 'in_progress' | 'completed';
  statusLabel: string;
  progress: number;
  overdue: boolean;
}

export interface ResolutionDetail extends Resolution {
  steps: Array<{ id: string; seq: number; title: string; done: boolean; doneAt: string | null }>;
  updates: Array<{ id: string; note: string; progress: number; byName: string; at: string; stepId: string | null; stepTitle: string | null; photos: FileView[] }>;
  canManage: boolean;
}

export interface Article {
  no: number;
  title?: string;
  text: string;
}

export interface Convention {
  id: string;
  title: string;
  nodeId: string;
  nodeName: string;
  currentVersion: number | null;
  updatedAt: string;
}

export interface ConventionDetail extends Convention {
  versions: Array<{
    version: number;
    status: 'draft' | 'consultation' | 'adopted' | 'superseded';
    statusLabel: string;
    articles: Article[];
    changeNote: string | null;
    changelog: Array<{ articleNo: number; change: 'added' | 'removed' | 'changed'; annotationId: string | null; note: string }>;
    adoptedAt: string | null;
    adoptedVia: string | null;
  }>;
  annotations: Array<{ id: string; version: number; articleNo: number; body: string; suggestedText: string | null; appliedVersion: number | null; authorName: string; status: 'open' | 'adopted' | 'declined'; reply: string | null; createdAt: string }>;
  votes: Array<{ id: string; title: string; version: number | null; status: string; passed: boolean | null }>;
  canAnnotate: boolean;
  canManage: boolean;
}

export const TOPIC_CATEGORIES = ['公共设施', '环境卫生', '停车交通', '加装电梯', '物业服务', '邻里关系', '安全隐患', '文体活动', '其他'];

const TOPIC_COLOR: Record<TopicStatus, string> = {
  proposed: 'blue',
  supported: 'geekblue',
  accepted: 'cyan',
  rejected: 'default',
  withdrawn: 'default',
  expired: 'default',
  scheduled: 'purple',
  agreed: 'green',
  voting: 'orange',
  passed: 'green',
  failed: 'red',
  resolved: 'gold',
  completed: 'success',
};

/** The server's labels, for places that only have the status code. */
export const TOPIC_ZH: Record<TopicStatus, string> = {
  proposed: '征集附议',
  supported: '附议达标待上会',
  accepted: '已立项',
  rejected: '不予立项',
  withdrawn: '已撤回',
  expired: '附议未达标',
  scheduled: '已排期上会',
  agreed: '协商一致',
  voting: '表决中',
  passed: '表决通过',
  failed: '表决未通过',
  resolved: '决议落实中',
  completed: '已办结',
};

const TOPIC_EN: Record<TopicStatus, string> = {
  proposed: 'Gathering support',
  supported: 'Awaiting a meeting',
  accepted: 'Accepted',
  rejected: 'Rejected',
  withdrawn: 'Withdrawn',
  expired: 'Expired',
  scheduled: 'On an agenda',
  agreed: 'Agreed',
  voting: 'Voting',
  passed: 'Passed',
  failed: 'Not passed',
  resolved: 'Being implemented',
  completed: 'Completed',
};

export function TopicStatusTag({ topic }: { topic: Pick<Topic, 'status' | 'statusLabel'> }) {
  const L = useL();
  return (
    <Tag color={TOPIC_COLOR[topic.status]} data-testid="topic-status">
      {L(topic.statusLabel, TOPIC_EN[topic.status])}
    </Tag>
  );
}

export function SupportProgress({ topic }: { topic: Pick<Topic, 'supportCount' | 'supportThreshold'> }) {
  const L = useL();
  const pct = Math.min(100, Math.round((topic.supportCount / Math.max(1, topic.supportThreshold)) * 100));
  return (
    <div className="og-delib-support">
      <Progress percent={pct} size="small" showInfo={false} aria-label={L('附议进度', 'Support progress')} />
      <span data-testid="support-count">{L(`附议 ${topic.supportCount}/${topic.supportThreshold}`, `Support ${topic.supportCount}/${topic.supportThreshold}`)}</span>
    </div>
  );
}

export function VotePhaseTag({ vote }: { vote: Pick<Vote, 'phase' | 'passed'> }) {
  const L = useL();
  if (vote.phase === 'closed') return vote.passed ? <Tag color="green">{L('已通过', 'Passed')}</Tag> : <Tag color="red">{L('未通过', 'Not passed')}</Tag>;
  const map = { upcoming: ['default', '未开始', 'Upcoming'], open: ['orange', '投票中', 'Open'], counting: ['blue', '待计票', 'Counting'], cancelled: ['default', '已取消', 'Cancelled'] } as const;
  const [color, zh, en] = map[vote.phase];
  return <Tag color={color}>{L(zh, en)}</Tag>;
}

export const fmtTime = (iso: string | null | undefined) => (iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : '-');
export const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);

export const CHOICE_LABEL: Record<Choice, [string, string]> = { agree: ['同意', 'Agree'], oppose: ['反对', 'Oppose'], abstain: ['弃权', 'Abstain'] };

export function MeetingModeText({ m }: { m: Pick<Meeting, 'mode' | 'modeLabel' | 'location' | 'onlineUrl'> }) {
  const L = useL();
  const en = { in_person: 'In person', online: 'Online', hybrid: 'Hybrid' }[m.mode];
  return (
    <span data-testid="meeting-mode">
      <Tag color={m.mode === 'in_person' ? 'default' : 'blue'}>{L(m.modeLabel, en)}</Tag>
      {m.location ? <span>{m.location}</span> : null}
      {m.onlineUrl ? (
        <a href={m.onlineUrl} target="_blank" rel="noreferrer" style={{ marginLeft: 8 }}>
          {L('会议链接', 'Join link')}
        </a>
      ) : null}
    </span>
  );
}

/** The result of a closed vote: counts (and floor areas for owners' votes) per choice, and the rule's verdict. */
export function VoteResult({ result, method }: { result: TallyResult; method: Vote['method'] }) {
  const L = useL();
  return (
    <div className="og-delib-result" data-testid="vote-result">
      <div className="og-delib-verdict">
        {result.passed ? <Tag color="green">{L('表决通过', 'Passed')}</Tag> : <Tag color="red">{L('未通过', 'Not passed')}</Tag>}
        <span>{result.explanation}</span>
      </div>
      <table className="og-delib-table">
        <thead>
          <tr>
            <th />
            <th>{method !== 'resident' ? L('户数', 'Households') : L('人数', 'Voters')}</th>
            {result.areasM2 ? <th>{L('专有面积 (m²)', 'Floor area (m²)')}</th> : null}
          </tr>
        </thead>
        <tbody>
          {(['agree', 'oppose', 'abstain'] as Choice[]).map((c) => (
            <tr key={c}>
              <td>{L(...CHOICE_LABEL[c])}</td>
              <td data-testid={`count-${c}`}>{result.counts[c]}</td>
              {result.areasM2 ? <td>{result.areasM2[c].toFixed(2)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="og-delib-muted">
        {L(`参与 ${result.participated}/${result.eligibleCount}（${pct(result.turnout)}）`, `Turnout ${result.participated}/${result.eligibleCount} (${pct(result.turnout)})`)}
        {result.areaTurnout !== null ? L(`，面积参与 ${pct(result.areaTurnout)}`, `, by area ${pct(result.areaTurnout)}`) : ''}
      </div>
    </div>
  );
}
