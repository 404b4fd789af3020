import { Type } from '@sinclair/typebox';
import { Nullable, PageQuery, Uuid } from '../../platform/http/schemas.js';
import { TIMEBANK_CATEGORIES } from './timebank.js';

const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));

export const CurrencySchema = lit(['points', 'time'] as const);
export const OwnerKindSchema = lit(['resident', 'partner', 'merchant', 'community'] as const);
export const PeriodSchema = lit(['day', 'week', 'month', 'year'] as const);
export const AppliesToSchema = lit(['resident', 'partner', 'any'] as const);
export const RewardKindSchema = lit(['room', 'goods', 'coupon'] as const);
export const CategorySchema = lit(TIMEBANK_CATEGORIES);
const Key = Type.String({ minLength: 8, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$', description: '幂等键：重复提交同一键只执行一次' });
const DateStr = Type.String({ format: 'date' });
const Text = (max: number, min = 0) => Type.String({ minLength: min, maxLength: max });

export const AccountSchema = Type.Object({
  id: Uuid,
  currency: Type.String(),
  ownerKind: Type.String(),
  ownerId: Type.String(),
  name: Type.String(),
  nodePath: Type.String(),
  balance: Type.Integer(),
  lowerLimit: Type.Integer(),
  status: Type.String(),
  createdAt: Type.String(),
});

export const AccountsQuery = Type.Object({
  currency: Type.Optional(CurrencySchema),
  ownerKind: Type.Optional(OwnerKindSchema),
  communityId: Type.Optional(Uuid),
  q: Type.Optional(Text(50)),
  ...PageQuery,
});

export const LimitBody = Type.Object({ lowerLimit: Type.Integer({ minimum: -100000, maximum: 0 }) }, { additionalProperties: false });

export const TransferSchema = Type.Object({
  id: Uuid,
  currency: Type.String(),
  fromAccountId: Type.String(),
  toAccountId: Type.String(),
  amount: Type.Integer(),
  kind: Type.String(),
  memo: Type.String(),
  idempotencyKey: Nullable(Type.String()),
  reversesId: Nullable(Type.String()),
  refKind: Nullable(Type.String()),
  refId: Nullable(Type.String()),
  createdAt: Type.String(),
});

export const TransferBody = Type.Object(
  {
    fromAccountId: Uuid,
    toAccountId: Uuid,
    amount: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    memo: Text(200, 1),
    idempotencyKey: Type.Optional(Key),
  },
  { additionalProperties: false },
);
export const TransferResult = Type.Object({ transfer: TransferSchema, replayed: Type.Boolean() });

export const ReverseBody = Type.Object({ memo: Text(200, 1) }, { additionalProperties: false });

export const StatementQuery = Type.Object({ from: Type.Optional(DateStr), to: Type.Optional(DateStr), ...PageQuery });
export const StatementSchema = Type.Object({
  account: AccountSchema,
  openingBalance: Type.Integer(),
  closingBalance: Type.Integer(),
  credit: Type.Integer(),
  debit: Type.Integer(),
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      transferId: Type.String(),
      at: Type.String(),
      kind: Type.String(),
      memo: Type.String(),
      amount: Type.Integer(),
      balanceAfter: Type.Integer(),
      counterpartyId: Type.String(),
      counterpartyName: Type.String(),
      reversesId: Nullable(Type.String()),
    }),
  ),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});

export const ReportQuery = Type.Object({
  month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }),
  communityId: Type.Optional(Uuid),
  currency: Type.Optional(CurrencySchema),
});

export const RuleSchema = Type.Object({
  id: Uuid,
  code: Type.String(),
  action: Type.String(),
  points: Type.Integer(),
  period: Type.String(),
  periodCap: Nullable(Type.Integer()),
  appliesTo: Type.String(),
  description: Type.String(),
  active: Type.Boolean(),
});
export const RulesQuery = Type.Object({ all: Type.Optional(Type.Boolean()) });
export const RuleBody = Type.Object(
  {
    code: Type.String({ minLength: 2, maxLength: 40, pattern: '^[a-z0-9_-]+$' }),
    action: Text(50, 1),
    points: Type.Integer({ minimum: 1, maximum: 10000 }),
    period: PeriodSchema,
    periodCap: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 }))),
    appliesTo: AppliesToSchema,
    description: Type.Optional(Text(500)),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const RulePatch = Type.Object(
  {
    action: Type.Optional(Text(50, 1)),
    points: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    period: Type.Optional(PeriodSchema),
    periodCap: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 }))),
    appliesTo: Type.Optional(AppliesToSchema),
    description: Type.Optional(Text(500)),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ClaimSchema = Type.Object({
  id: Uuid,
  ruleId: Type.String(),
  ruleAction: Type.String(),
  accountId: Type.String(),
  accountName: Type.String(),
  points: Type.Integer(),
  note: Type.String(),
  occurredOn: Type.String(),
  status: Type.String(),
  reviewNote: Nullable(Type.String()),
  reviewedAt: Nullable(Type.String()),
  transferId: Nullable(Type.String()),
  createdAt: Type.String(),
});
export const ClaimBody = Type.Object(
  {
    ruleId: Uuid,
    accountId: Type.Optional(Uuid),
    residentId: Type.Optional(Uuid),
    occurredOn: Type.Optional(DateStr),
    note: Text(500),
  },
  { additionalProperties: false },
);
export const ClaimsQuery = Type.Object({ status: Type.Optional(lit(['pending', 'approved', 'rejected'] as const)), ...PageQuery });
export const ReviewBody = Type.Object({ approve: Type.Boolean(), note: Type.Optional(Text(500)) }, { additionalProperties: false });
export const ReviewResult = Type.Object({ id: Uuid, status: Type.String(), transferId: Nullable(Type.String()), points: Type.Integer() });

export const RewardSchema = Type.Object({
  id: Uuid,
  kind: Type.String(),
  name: Type.String(),
  description: Type.String(),
  pointsCost: Type.Integer(),
  stock: Type.Integer(),
  payeeAccountId: Type.String(),
  payeeName: Type.String(),
  payeeKind: Type.String(),
  nodePath: Type.String(),
  active: Type.Boolean(),
});
export const RewardsQuery = Type.Object({ kind: Type.Optional(RewardKindSchema), all: Type.Optional(Type.Boolean()) });
export const RewardBody = Type.Object(
  {
    kind: RewardKindSchema,
    name: Text(60, 1),
    description: Type.Optional(Text(500)),
    pointsCost: Type.Integer({ minimum: 1, maximum: 100000 }),
    stock: Type.Integer({ minimum: 0, maximum: 100000 }),
    communityId: Type.Optional(Uuid),
    payeeAccountId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export const RewardPatch = Type.Object(
  {
    name: Type.Optional(Text(60, 1)),
    description: Type.Optional(Text(500)),
    pointsCost: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    stock: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const RedeemBody = Type.Object({ accountId: Type.Optional(Uuid), idempotencyKey: Type.Optional(Key) }, { additionalProperties: false });
export const RedemptionSchema = Type.Object({
  id: Uuid,
  rewardId: Type.String(),
  rewardName: Type.String(),
  rewardKind: Type.String(),
  accountId: Type.String(),
  accountName: Type.String(),
  code: Type.String(),
  status: Type.String(),
  points: Type.Integer(),
  transferId: Type.String(),
  verifiedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  replayed: Type.Optional(Type.Boolean()),
});
export const RedemptionsQuery = Type.Object({ status: Type.Optional(lit(['issued', 'used', 'cancelled'] as const)), ...PageQuery });
export const VerifyBody = Type.Object({ code: Type.String({ minLength: 4, maxLength: 20, pattern: '^[A-Za-z0-9 -]+$' }) }, { additionalProperties: false });

export const PostSchema = Type.Object({
  id: Uuid,
  kind: Type.String(),
  category: Type.String(),
  title: Type.String(),
  description: Type.String(),
  residentId: Type.String(),
  residentName: Type.String(),
  minutes: Type.Integer(),
  useOwnHours: Type.Boolean(),
  status: Type.String(),
  createdAt: Type.String(),
  servedMinutes: Type.Optional(Type.Integer()),
});
export const PostBody = Type.Object(
  {
    kind: lit(['offer', 'request'] as const),
    category: CategorySchema,
    title: Text(60, 1),
    description: Type.Optional(Text(500)),
    minutes: Type.Integer({ minimum: 10, maximum: 1440 }),
    useOwnHours: Type.Optional(Type.Boolean()),
    residentId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export const PostsQuery = Type.Object({
  kind: Type.Optional(lit(['offer', 'request'] as const)),
  category: Type.Optional(CategorySchema),
  status: Type.Optional(lit(['open', 'matched', 'done', 'cancelled'] as const)),
  mine: Type.Optional(Type.Boolean()),
  ...PageQuery,
});
export const ExchangeSchema = Type.Object({
  id: Uuid,
  requestId: Type.String(),
  requestTitle: Type.Optional(Type.String()),
  category: Type.Optional(Type.String()),
  offerId: Nullable(Type.String()),
  volunteerId: Type.String(),
  volunteerName: Type.String(),
  recipientId: Type.String(),
  recipientName: Type.Optional(Type.String()),
  minutes: Nullable(Type.Integer()),
  status: Type.String(),
  transferId: Nullable(Type.String()),
  confirmedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  transfer: Type.Optional(TransferSchema),
});
export const ExchangeBody = Type.Object({ requestId: Uuid, offerId: Type.Optional(Uuid) }, { additionalProperties: false });
export const ConfirmBody = Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 1440 }) }, { additionalProperties: false });
export const ExchangesQuery = Type.Object({ status: Type.Optional(lit(['matched', 'confirmed', 'cancelled'] as const)), ...PageQuery });
export const FamilyBody = Type.Object(
  {
    fromResidentId: Type.Optional(Uuid),
    toResidentId: Uuid,
    minutes: Type.Integer({ minimum: 1, maximum: 100000 }),
    relation: Text(20, 1),
    idempotencyKey: Type.Optional(Key),
  },
  { additionalProperties: false },
);
