-- The audit chain is linked inside the database: the application sends a hash of the row's content,
-- and this trigger takes the chain lock, gives the row its place (seq) after the lock, reads the
-- previous row's hash and links the two. The lock is held from this INSERT to COMMIT only, instead of
-- across several client round trips. Rows written before this change (hash_v = 1) keep their format.
ALTER TABLE audit_log ADD COLUMN hash_v smallint NOT NULL DEFAULT 1;
-- seq is given by the trigger once the lock is held, so it follows the chain's order.
ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT;

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prev text;
BEGIN
  PERFORM pg_advisory_xact_lock(7426002);
  -- A volatile function's statements see rows committed while we waited for the lock.
  NEW.seq := nextval(pg_get_serial_sequence('audit_log', 'seq'));
  SELECT hash INTO prev FROM audit_log ORDER BY seq DESC LIMIT 1;
  NEW.prev_hash := coalesce(prev, repeat('0', 64));
  -- NEW.hash arrives as the content hash; the stored hash links it to the previous row.
  NEW.hash := encode(sha256(convert_to(NEW.prev_hash || E'\n' || NEW.hash, 'UTF8')), 'hex');
  NEW.hash_v := 2;
  RETURN NEW;
END $$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
