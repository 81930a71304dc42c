"""The ledger's rules held by PostgreSQL itself (SQLite relies on the service layer):

- entries and ledger transactions are append-only: UPDATE and DELETE are refused;
- at commit, every transaction that received entries has at least two and they sum to zero
  per currency (a deferred constraint trigger, so the entries of one transaction may be
  inserted one by one).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION wallet_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'correct a ledger transaction with a new, reversing one';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER wallet_entry_append_only
    BEFORE UPDATE OR DELETE ON wallet_entry
    FOR EACH ROW EXECUTE FUNCTION wallet_append_only();
CREATE TRIGGER wallet_ledgertransaction_append_only
    BEFORE UPDATE OR DELETE ON wallet_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION wallet_append_only();

CREATE OR REPLACE FUNCTION wallet_transaction_balanced() RETURNS trigger AS $$
DECLARE
    legs integer;
    unbalanced record;
BEGIN
    SELECT count(*) INTO legs FROM wallet_entry WHERE transaction_id = NEW.transaction_id;
    IF legs < 2 THEN
        RAISE EXCEPTION 'ledger transaction % has % entry, needs at least two',
            NEW.transaction_id, legs USING ERRCODE = 'check_violation';
    END IF;
    SELECT currency, sum(amount_minor) AS total INTO unbalanced
        FROM wallet_entry WHERE transaction_id = NEW.transaction_id
        GROUP BY currency HAVING sum(amount_minor) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: % % left over',
            NEW.transaction_id, unbalanced.total, unbalanced.currency
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER wallet_entry_balanced
    AFTER INSERT ON wallet_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallet_transaction_balanced();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS wallet_entry_balanced ON wallet_entry;
DROP FUNCTION IF EXISTS wallet_transaction_balanced();
DROP TRIGGER IF EXISTS wallet_entry_append_only ON wallet_entry;
DROP TRIGGER IF EXISTS wallet_ledgertransaction_append_only ON wallet_ledgertransaction;
DROP FUNCTION IF EXISTS wallet_append_only();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the % of RAISE stays as written

    return run


class Migration(migrations.Migration):
    dependencies = [("wallet", "0003_ledger")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
