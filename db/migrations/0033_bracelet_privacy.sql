-- Bracelet privacy: health values (heart rate, blood pressure, SpO2, steps, falls, SOS) of health
-- devices live only in the care module (encrypted, access-controlled, logged). iot keeps only the
-- non-health keys of a bracelet (battery) and its last-seen/online state. This purges what iot kept
-- in clear text before, and disables iot's own bracelet alarm rules (care raises those alerts).

-- Raw telemetry: keep only the battery of bracelets; rows left empty go.
UPDATE iot_telemetry t
   SET vals = COALESCE((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(t.vals) e WHERE e.key IN ('battery')), '{}'::jsonb)
 WHERE t.device_id IN (SELECT id FROM iot_devices WHERE type_code = 'bracelet');
DELETE FROM iot_telemetry
 WHERE vals = '{}'::jsonb AND device_id IN (SELECT id FROM iot_devices WHERE type_code = 'bracelet');

-- Latest values and hourly roll-ups.
DELETE FROM iot_latest
 WHERE key NOT IN ('battery') AND device_id IN (SELECT id FROM iot_devices WHERE type_code = 'bracelet');
DELETE FROM iot_telemetry_hourly
 WHERE key NOT IN ('battery') AND device_id IN (SELECT id FROM iot_devices WHERE type_code = 'bracelet');

-- Client attributes of bracelets: drop health keys.
UPDATE iot_devices
   SET attributes = attributes - ARRAY['heart_rate', 'bp_systolic', 'bp_diastolic', 'systolic', 'diastolic', 'blood_pressure', 'spo2', 'steps', 'fall', 'sos', 'temperature', 'body_temperature']
 WHERE type_code = 'bracelet';

-- iot's own bracelet rules on health keys (SOS/fall → LV01 cases, heart rate > 130) are retired.
-- Kept as disabled rows because alarms and case links refer to them; their recorded values go.
UPDATE iot_alarms
   SET first_value = NULL, last_value = NULL
 WHERE rule_id IN (SELECT id FROM iot_alarm_rules WHERE device_type = 'bracelet' AND kind = 'threshold' AND key IS DISTINCT FROM 'battery');
UPDATE iot_alarms
   SET status = CASE status WHEN 'active_ack' THEN 'cleared_ack' ELSE 'cleared_unack' END, cleared_at = now(), cleared_by = 'retired', case_pending = false, updated_at = now()
 WHERE status IN ('active_unack', 'active_ack')
   AND rule_id IN (SELECT id FROM iot_alarm_rules WHERE device_type = 'bracelet' AND kind = 'threshold' AND key IS DISTINCT FROM 'battery');
UPDATE iot_alarms
   SET case_pending = false, updated_at = now()
 WHERE case_pending
   AND rule_id IN (SELECT id FROM iot_alarm_rules WHERE device_type = 'bracelet' AND kind = 'threshold' AND key IS DISTINCT FROM 'battery');
DELETE FROM iot_rule_state
 WHERE rule_id IN (SELECT id FROM iot_alarm_rules WHERE device_type = 'bracelet' AND kind = 'threshold' AND key IS DISTINCT FROM 'battery');
UPDATE iot_alarm_rules
   SET enabled = false, create_case = false, updated_at = now()
 WHERE device_type = 'bracelet' AND kind = 'threshold' AND key IS DISTINCT FROM 'battery';
UPDATE iot_meta SET rules_version = rules_version + 1 WHERE id = 1;

-- The bracelet type lists only the keys iot keeps.
UPDATE iot_device_types
   SET telemetry = '[{"key": "battery", "name": "电量", "unit": "%"}]'::jsonb,
       description = 'wearable bracelet of elderly and vulnerable residents: its health values (heart rate, blood pressure, SpO2, steps, falls, SOS) go to the care module (encrypted, access-controlled); iot keeps only the battery and last-seen state'
 WHERE code = 'bracelet';
