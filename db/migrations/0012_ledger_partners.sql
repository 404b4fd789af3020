-- Points bank and time bank (module ledger); partners, projects and social organisations (module partners).

-- ============================================================== ledger
-- A double-entry ledger in two currencies kept apart: points and time (minutes).
-- Every transfer writes two movements (-amount, +amount), so each currency sums to zero. The
-- community's issuing account may go negative down to its limit; everyone else's limit is 0 (or a
-- small overdraft for time). The balance column is the running sum of the account's movements and the
-- CHECK makes "never below the limit" a database rule that holds under any concurrency.
CREATE TABLE ledger_accounts (
  id             uuid PRIMARY KEY,
  currency       text NOT NULL CHECK (currency IN ('points', 'time')),
  owner_kind     text NOT NULL CHECK (owner_kind IN ('resident', 'partner', 'merchant', 'community')),
  owner_id       uuid NOT NULL,
  -- the account holder's sign-in (partners and merchants); residents are matched by users.resident_id
  holder_user_id uuid,
  name           text NOT NULL,
  -- org path the account belongs to (a resident's household, a partner's or the community's node)
  node_path      text NOT NULL,
  balance        bigint NOT NULL DEFAULT 0,
  lower_limit    bigint NOT NULL DEFAULT 0 CHECK (lower_limit <= 0),
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen')),
  created_at     timestamptz NOT NULL,
  CONSTRAINT ledger_accounts_balance_limit CHECK (balance >= lower_limit),
  UNIQUE (owner_kind, owner_id, currency),
  UNIQUE (id, currency)
);
CREATE INDEX ledger_accounts_path_idx ON ledger_accounts (node_path text_pattern_ops);
CREATE INDEX ledger_accounts_holder_idx ON ledger_accounts (holder_user_id) WHERE holder_user_id IS NOT NULL;

CREATE TABLE ledger_transfers (
  id              uuid PRIMARY KEY,
  currency        text NOT NULL CHECK (currency IN ('points', 'time')),
  from_account    uuid NOT NULL,
  to_account      uuid NOT NULL,
  amount          bigint NOT NULL CHECK (amount > 0),
  kind            text NOT NULL CHECK (kind IN ('grant', 'redeem', 'transfer', 'family', 'reversal', 'adjust', 'project', 'timebank')),
  memo            text NOT NULL DEFAULT '',
  -- a client-chosen key: a repeated request with the same key is applied once
  idempotency_key text UNIQUE,
  -- a reversal names the transfer it compensates; a transfer is reversed at most once
  reverses_id     uuid UNIQUE REFERENCES ledger_transfers(id),
  ref_kind        text,
  ref_id          uuid,
  created_by      uuid,
  created_at      timestamptz NOT NULL,
  CHECK (from_account <> to_account),
  -- both accounts must hold the transfer's currency: points and time never mix
  FOREIGN KEY (from_account, currency) REFERENCES ledger_accounts (id, currency),
  FOREIGN KEY (to_account, currency) REFERENCES ledger_accounts (id, currency)
);
CREATE INDEX ledger_transfers_created_idx ON ledger_transfers (created_at);
CREATE INDEX ledger_transfers_ref_idx ON ledger_transfers (ref_kind, ref_id);

CREATE TABLE ledger_movements (
  id            uuid PRIMARY KEY,
  transfer_id   uuid NOT NULL REFERENCES ledger_transfers(id),
  account_id    uuid NOT NULL,
  currency      text NOT NULL,
  amount        bigint NOT NULL CHECK (amount <> 0),
  balance_after bigint NOT NULL,
  created_at    timestamptz NOT NULL,
  FOREIGN KEY (account_id, currency) REFERENCES ledger_accounts (id, currency),
  UNIQUE (transfer_id, account_id)
);
CREATE INDEX ledger_movements_account_idx ON ledger_movements (account_id, created_at, id);

-- Movements are never edited or deleted: corrections are compensating transfers.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger movements and transfers are append-only';
END $$;
CREATE TRIGGER ledger_movements_no_update BEFORE UPDATE OR DELETE ON ledger_movements
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE OR DELETE ON ledger_transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Earning rules: an action is worth so many points, at most `period_cap` points per period and account.
CREATE TABLE ledger_earning_rules (
  id          uuid PRIMARY KEY,
  code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9_-]+$'),
  action      text NOT NULL,
  points      int NOT NULL CHECK (points > 0),
  period      text NOT NULL CHECK (period IN ('day', 'week', 'month', 'year')),
  period_cap  int CHECK (period_cap IS NULL OR period_cap > 0),
  applies_to  text NOT NULL CHECK (applies_to IN ('resident', 'partner', 'any')),
  description text NOT NULL DEFAULT '',
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- A service that happened and is waiting for staff to confirm it before points are granted.
CREATE TABLE ledger_earning_claims (
  id            uuid PRIMARY KEY,
  rule_id       uuid NOT NULL REFERENCES ledger_earning_rules(id),
  account_id    uuid NOT NULL REFERENCES ledger_accounts(id),
  node_path     text NOT NULL,
  points        int NOT NULL CHECK (points > 0),
  note          text NOT NULL DEFAULT '',
  occurred_on   date NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  submitted_by  uuid,
  reviewed_by   uuid,
  reviewed_at   timestamptz,
  review_note   text,
  transfer_id   uuid REFERENCES ledger_transfers(id),
  created_at    timestamptz NOT NULL
);
CREATE INDEX ledger_claims_path_idx ON ledger_earning_claims (node_path text_pattern_ops, status);
CREATE INDEX ledger_claims_account_idx ON ledger_earning_claims (account_id, rule_id, status);

-- Rewards: room booking priority, goods, merchants' coupons. Stock never below zero.
CREATE TABLE ledger_rewards (
  id                  uuid PRIMARY KEY,
  kind                text NOT NULL CHECK (kind IN ('room', 'goods', 'coupon')),
  name                text NOT NULL,
  description         text NOT NULL DEFAULT '',
  points_cost         int NOT NULL CHECK (points_cost > 0),
  stock               int NOT NULL CHECK (stock >= 0),
  -- the account that receives the points: a merchant's for coupons, else the community's
  payee_account_id    uuid NOT NULL REFERENCES ledger_accounts(id),
  node_path           text NOT NULL,
  active              boolean NOT NULL DEFAULT true,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL
);
CREATE INDEX ledger_rewards_path_idx ON ledger_rewards (node_path text_pattern_ops);

CREATE TABLE ledger_redemptions (
  id            uuid PRIMARY KEY,
  reward_id     uuid NOT NULL REFERENCES ledger_rewards(id),
  account_id    uuid NOT NULL REFERENCES ledger_accounts(id),
  code          text NOT NULL UNIQUE,
  status        text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'used', 'cancelled')),
  points        int NOT NULL,
  transfer_id   uuid NOT NULL REFERENCES ledger_transfers(id),
  reversal_id   uuid REFERENCES ledger_transfers(id),
  verified_by   uuid,
  verified_at   timestamptz,
  node_path     text NOT NULL,
  created_at    timestamptz NOT NULL
);
CREATE INDEX ledger_redemptions_account_idx ON ledger_redemptions (account_id, created_at);
CREATE INDEX ledger_redemptions_reward_idx ON ledger_redemptions (reward_id);

-- Time bank: offers and requests of help; an exchange matches a volunteer with a person served.
CREATE TABLE timebank_posts (
  id           uuid PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('offer', 'request')),
  category     text NOT NULL,
  title        text NOT NULL,
  description  text NOT NULL DEFAULT '',
  resident_id  uuid NOT NULL,
  resident_name text NOT NULL,
  node_path    text NOT NULL,
  minutes      int NOT NULL CHECK (minutes > 0 AND minutes <= 1440),
  -- for requests: pay from the requester's own stored hours, or from the community's pool
  use_own_hours boolean NOT NULL DEFAULT false,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'matched', 'done', 'cancelled')),
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX timebank_posts_path_idx ON timebank_posts (node_path text_pattern_ops, kind, status);

CREATE TABLE timebank_exchanges (
  id                  uuid PRIMARY KEY,
  request_id          uuid NOT NULL REFERENCES timebank_posts(id),
  offer_id            uuid REFERENCES timebank_posts(id),
  volunteer_id        uuid NOT NULL,
  volunteer_name      text NOT NULL,
  recipient_id        uuid NOT NULL,
  node_path           text NOT NULL,
  minutes             int,
  status              text NOT NULL DEFAULT 'matched' CHECK (status IN ('matched', 'confirmed', 'cancelled')),
  confirmed_by        uuid,
  confirmed_at        timestamptz,
  transfer_id         uuid REFERENCES ledger_transfers(id),
  created_at          timestamptz NOT NULL,
  CHECK (volunteer_id <> recipient_id)
);
-- one live exchange per request
CREATE UNIQUE INDEX timebank_exchanges_live_idx ON timebank_exchanges (request_id) WHERE status <> 'cancelled';

-- ============================================================== partners
CREATE TABLE partners (
  id            uuid PRIMARY KEY,
  name          text NOT NULL,
  type          text NOT NULL CHECK (type IN ('resource', 'professional', 'volunteer')),
  form          text NOT NULL CHECK (form IN ('organisation', 'person')),
  merchant      boolean NOT NULL DEFAULT false,
  services      text[] NOT NULL DEFAULT '{}',
  contact_name  text,
  phone_enc     text,
  description   text NOT NULL DEFAULT '',
  node_path     text NOT NULL,
  user_id       uuid UNIQUE,
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  credit_score  numeric(5,1) NOT NULL DEFAULT 0,
  credit_level  text NOT NULL DEFAULT 'B',
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX partners_path_idx ON partners (node_path text_pattern_ops);
CREATE UNIQUE INDEX partners_name_path_idx ON partners (node_path, name);

CREATE TABLE partner_agreements (
  id          uuid PRIMARY KEY,
  partner_id  uuid NOT NULL REFERENCES partners(id),
  title       text NOT NULL,
  content     text NOT NULL,
  starts_on   date NOT NULL,
  ends_on     date NOT NULL,
  node_path   text NOT NULL,
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'terminated')),
  created_at  timestamptz NOT NULL,
  CHECK (ends_on >= starts_on)
);
CREATE INDEX partner_agreements_partner_idx ON partner_agreements (partner_id);

-- The credit record: on-time deliveries, evaluations, points earned, violations.
CREATE TABLE partner_credit_events (
  id          uuid PRIMARY KEY,
  partner_id  uuid NOT NULL REFERENCES partners(id),
  kind        text NOT NULL CHECK (kind IN ('on_time', 'late', 'evaluation', 'points', 'violation')),
  value       numeric(10,1) NOT NULL DEFAULT 0,
  note        text NOT NULL DEFAULT '',
  ref_id      uuid,
  at          timestamptz NOT NULL
);
CREATE INDEX partner_credit_partner_idx ON partner_credit_events (partner_id, at);

-- Needs collected from residents (online questionnaire) and from staff visits.
CREATE TABLE partner_needs (
  id           uuid PRIMARY KEY,
  source       text NOT NULL CHECK (source IN ('questionnaire', 'visit')),
  title        text NOT NULL,
  description  text NOT NULL DEFAULT '',
  category     text NOT NULL,
  node_path    text NOT NULL,
  answers      jsonb NOT NULL DEFAULT '{}',
  submitted_by uuid,
  resident_id  uuid,
  status       text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'adopted', 'dismissed')),
  project_id   uuid,
  created_at   timestamptz NOT NULL
);
CREATE INDEX partner_needs_path_idx ON partner_needs (node_path text_pattern_ops, status);

CREATE TABLE partner_projects (
  id             uuid PRIMARY KEY,
  title          text NOT NULL,
  description    text NOT NULL DEFAULT '',
  category       text NOT NULL,
  node_path      text NOT NULL,
  budget         int NOT NULL DEFAULT 0 CHECK (budget >= 0),
  resources      text NOT NULL DEFAULT '',
  points_offered int NOT NULL DEFAULT 0 CHECK (points_offered >= 0),
  due_on         date,
  status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'in_progress', 'completed', 'evaluated', 'cancelled')),
  partner_id     uuid REFERENCES partners(id),
  weights        jsonb NOT NULL,
  final_score    numeric(5,2),
  points_paid    int,
  transfer_id    uuid,
  created_by     uuid,
  published_at   timestamptz,
  started_at     timestamptz,
  completed_at   timestamptz,
  evaluated_at   timestamptz,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX partner_projects_path_idx ON partner_projects (node_path text_pattern_ops, status);

CREATE TABLE partner_project_claims (
  id          uuid PRIMARY KEY,
  project_id  uuid NOT NULL REFERENCES partner_projects(id),
  partner_id  uuid NOT NULL REFERENCES partners(id),
  plan        text NOT NULL DEFAULT '',
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  reviewed_by uuid,
  reviewed_at timestamptz,
  created_at  timestamptz NOT NULL,
  UNIQUE (project_id, partner_id)
);
CREATE UNIQUE INDEX partner_project_claims_one_approved ON partner_project_claims (project_id) WHERE status = 'approved';

CREATE TABLE partner_project_logs (
  id          uuid PRIMARY KEY,
  project_id  uuid NOT NULL REFERENCES partner_projects(id),
  kind        text NOT NULL CHECK (kind IN ('progress', 'issue', 'completion', 'confirmation', 'status')),
  content     text NOT NULL,
  author_id   uuid,
  author_name text NOT NULL,
  at          timestamptz NOT NULL
);
CREATE INDEX partner_project_logs_project_idx ON partner_project_logs (project_id, at);

CREATE TABLE partner_project_evaluations (
  id             uuid PRIMARY KEY,
  project_id     uuid NOT NULL REFERENCES partner_projects(id),
  evaluator_kind text NOT NULL CHECK (evaluator_kind IN ('resident', 'staff', 'third_party')),
  evaluator_id   uuid,
  evaluator_name text NOT NULL,
  score          int NOT NULL CHECK (score BETWEEN 0 AND 100),
  comment        text NOT NULL DEFAULT '',
  at             timestamptz NOT NULL
);
-- one evaluation per signed-in evaluator and project (third parties are entered by name)
CREATE UNIQUE INDEX partner_project_evaluations_once ON partner_project_evaluations (project_id, evaluator_id, evaluator_kind) WHERE evaluator_id IS NOT NULL AND evaluator_kind <> 'third_party';
CREATE INDEX partner_project_evaluations_project_idx ON partner_project_evaluations (project_id);

-- 社会组织孵化: registry, incubation stage, activities.
CREATE TABLE social_orgs (
  id           uuid PRIMARY KEY,
  name         text NOT NULL,
  field        text NOT NULL,
  stage        text NOT NULL CHECK (stage IN ('applied', 'incubating', 'registered', 'graduated')),
  leader_name  text,
  description  text NOT NULL DEFAULT '',
  node_path    text NOT NULL,
  partner_id   uuid REFERENCES partners(id),
  stage_history jsonb NOT NULL DEFAULT '[]',
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  UNIQUE (node_path, name)
);
CREATE INDEX social_orgs_path_idx ON social_orgs (node_path text_pattern_ops);

CREATE TABLE social_org_activities (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL REFERENCES social_orgs(id),
  title        text NOT NULL,
  held_on      date NOT NULL,
  participants int NOT NULL DEFAULT 0 CHECK (participants >= 0),
  summary      text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL
);
CREATE INDEX social_org_activities_org_idx ON social_org_activities (org_id, held_on);
