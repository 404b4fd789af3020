-- The case category catalogue (module dispatch): what a case is, who handles it by default, who is
-- copied, how long it may take. Seeded from spec/categories.json; admins edit it.
CREATE TABLE categories (
  code          text PRIMARY KEY,
  name          text NOT NULL,
  group_name    text NOT NULL,
  department    text NOT NULL,
  cc            text[] NOT NULL DEFAULT '{}',
  limit_hours   int NOT NULL CHECK (limit_hours > 0),
  priority      text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  description   text NOT NULL DEFAULT '',
  active        boolean NOT NULL DEFAULT true,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
