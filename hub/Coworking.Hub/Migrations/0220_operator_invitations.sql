-- An operator's invitation is a one-time token and an e-mail of its own (three days to accept, once), no longer a
-- password reset. The purposes and mail kinds allowed so far are kept whatever other migrations added.
DO $$
DECLARE
    def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint WHERE conname = 'one_time_tokens_purpose_check' AND conrelid = 'one_time_tokens'::regclass;
    ALTER TABLE one_time_tokens DROP CONSTRAINT one_time_tokens_purpose_check;
    EXECUTE 'ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_purpose_check ' || replace(def, 'ARRAY[', 'ARRAY[''operator_invitation''::text, ');

    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint WHERE conname = 'mail_outbox_kind_check' AND conrelid = 'mail_outbox'::regclass;
    ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
    EXECUTE 'ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check ' || replace(def, 'ARRAY[', 'ARRAY[''operator_invitation''::text, ');
END
$$;
