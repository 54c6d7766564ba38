using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Members;
using Coworking.Hub.Tests.Support;
using Coworking.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Database;

/// <summary>
/// The second tenancy wall (migration 0080): with the handlers' own checks out of the way — a store called directly
/// with the other organisation's ids, or plain SQL — the hub's database role still reaches only the rows of the
/// organisation its connection was opened for.
/// </summary>
public sealed class RowLevelSecurityTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task A_store_called_for_one_organisation_with_another_organisations_ids_reads_and_changes_nothing()
    {
        var (other, otherAdmin) = await hub.NewOrganisationAsync("Other Coworking");
        var otherLocation = await HubFixture.CreateLocationAsync(otherAdmin, "Other House");
        var otherMember = await HubFixture.CreateMemberAsync(otherAdmin, otherLocation);
        var members = hub.Services.GetRequiredService<MemberStore>();

        // As a handler that forgot its check would: the request is the first organisation's (so is the connection's
        // setting), but the store is handed the other organisation's id and a caller that claims it.
        var crafted = new Caller(other, new Actor(ActorKind.ApiKey, Guid.NewGuid()), Role.OrgAdmin, new HashSet<Guid>());
        using (TenantScope.Organisation(hub.OrganisationId))
        {
            Assert.Null(await members.GetAsync(other, otherMember, CancellationToken.None));
            Assert.Empty((await members.ListAsync(other, null, null, null, 50, null, CancellationToken.None)).Items);
            var update = await members.UpdateAsync(crafted, otherMember, new MemberPatch(Name: "Taken Over"), CancellationToken.None);
            Assert.Equal(MemberWrite.NotFound, update.Outcome);
        }

        await using var superuser = new NpgsqlConnection(hub.ConnectionString);
        Assert.NotEqual("Taken Over", await superuser.ExecuteScalarAsync<string>("SELECT name FROM members WHERE id = @otherMember", new { otherMember }));

        // The same store, for the organisation the member belongs to, finds it: the wall is the setting, not the store.
        using (TenantScope.Organisation(other))
        {
            Assert.NotNull(await members.GetAsync(other, otherMember, CancellationToken.None));
        }
    }

    [Fact]
    public async Task Plain_sql_as_the_hub_role_with_one_organisations_setting_sees_and_changes_none_of_anothers_rows()
    {
        var (other, otherAdmin) = await hub.NewOrganisationAsync("Walled Coworking");
        var otherLocation = await HubFixture.CreateLocationAsync(otherAdmin, "Walled House");
        await HubFixture.CreateMemberAsync(otherAdmin, otherLocation);
        var ownLocation = await hub.CreateLocationAsync("Own House");
        var db = hub.Services.GetRequiredService<TenantDataSource>();
        await using var superuser = new NpgsqlConnection(hub.ConnectionString);
        Assert.True(await superuser.ExecuteScalarAsync<long>("SELECT count(*) FROM change_log WHERE location_id = @otherLocation", new { otherLocation }) > 0);

        using (TenantScope.Organisation(hub.OrganisationId))
        {
            await using var conn = await db.OpenConnectionAsync();
            Assert.Equal(PostgresServer.HubRole, await conn.ExecuteScalarAsync<string>("SELECT current_user"));
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM members WHERE organisation_id = @other", new { other }));
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM locations WHERE organisation_id <> @own", new { own = hub.OrganisationId }));
            // A child table without an organisation column, through its parent.
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM change_log WHERE location_id = @otherLocation", new { otherLocation }));
            Assert.Equal(
                await superuser.ExecuteScalarAsync<long>("SELECT count(*) FROM change_log WHERE location_id = @ownLocation", new { ownLocation }),
                await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM change_log WHERE location_id = @ownLocation", new { ownLocation }));
            Assert.Equal(0, await conn.ExecuteAsync("UPDATE members SET name = 'Taken Over' WHERE organisation_id = @other", new { other }));
            Assert.Equal(0, await conn.ExecuteAsync("DELETE FROM change_log WHERE location_id = @otherLocation", new { otherLocation }));
            var insert = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
                "INSERT INTO members (id, organisation_id, name, email, status, created_at, updated_at) VALUES (gen_random_uuid(), @other, 'Planted', 'planted@example.test', 'active', now(), now())",
                new { other }));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        }

        // Neither an organisation nor the system: nothing at all.
        await using (var unscoped = await db.OpenConnectionAsync())
        {
            Assert.Equal(0, await unscoped.ExecuteScalarAsync<long>("SELECT count(*) FROM members"));
        }

        using (TenantScope.System("test: the system sees every organisation"))
        {
            await using var conn = await db.OpenConnectionAsync();
            Assert.Equal(2, await conn.ExecuteScalarAsync<long>(
                "SELECT count(DISTINCT organisation_id) FROM locations WHERE organisation_id IN (@own, @other)", new { own = hub.OrganisationId, other }));
        }
    }

    [Fact]
    public async Task A_row_of_one_organisation_cannot_name_a_parent_row_of_another_even_by_plain_sql()
    {
        var (_, otherAdmin) = await hub.NewOrganisationAsync("Parent Coworking");
        var otherLocation = await HubFixture.CreateLocationAsync(otherAdmin, "Parent House");
        var ownLocation = await hub.CreateLocationAsync("Child House");
        var ownMember = await HubFixture.CreateMemberAsync(hub.Admin, ownLocation);
        var db = hub.Services.GetRequiredService<TenantDataSource>();

        using (TenantScope.Organisation(hub.OrganisationId))
        {
            // Row-level security lets the hub write its own organisation's rows; the keys make those rows' parents its own too.
            await using var conn = await db.OpenConnectionAsync();
            var homed = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
                "UPDATE members SET home_location_id = @otherLocation WHERE id = @ownMember", new { otherLocation, ownMember }));
            Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, homed.SqlState);
            var planted = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
                "INSERT INTO members (id, organisation_id, name, email, status, created_at, updated_at, home_location_id) VALUES (gen_random_uuid(), @own, 'Planted', 'planted@example.test', 'active', now(), now(), @otherLocation)",
                new { own = hub.OrganisationId, otherLocation }));
            Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, planted.SqlState);
        }

        await using var superuser = new NpgsqlConnection(hub.ConnectionString);
        Assert.Equal(ownLocation, await superuser.ExecuteScalarAsync<Guid>("SELECT home_location_id FROM members WHERE id = @ownMember", new { ownMember }));

        // Every foreign key between two tables that carry an organisation takes the organisation with it, but the two
        // the migration names (written only by the hub's own jobs from the row they read).
        var unpaired = await superuser.QueryAsync<string>(
            """
            SELECT con.conname FROM pg_constraint con
            WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attname = 'organisation_id' AND NOT a.attisdropped)
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.confrelid AND a.attname = 'organisation_id' AND NOT a.attisdropped)
              AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey) AND a.attname = 'organisation_id')
            ORDER BY 1
            """);
        Assert.Equal(["door_alarm_acknowledgements_edge_event_id_fkey", "no_show_releases_booking_id_fkey"], unpaired);
    }

    [Fact]
    public async Task The_hub_role_is_no_superuser_may_not_bypass_row_security_and_owns_no_table()
    {
        await using var superuser = new NpgsqlConnection(hub.ConnectionString);
        var role = await superuser.QuerySingleAsync<(bool Super, bool Bypass)>(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = @name", new { name = PostgresServer.HubRole });
        Assert.False(role.Super);
        Assert.False(role.Bypass);
        Assert.Equal(0, await superuser.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = @name", new { name = PostgresServer.HubRole }));

        // Every table with an organisation, or a parent that has one, is held by a policy, forced on its owner too.
        var open = (await superuser.QueryAsync<string>(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
            ORDER BY 1
            """)).ToList();
        Assert.Equal(["data_protection_keys", "login_failures", "mail_outbox", "schemaversions"], open);
    }

    [Fact]
    public async Task A_connection_back_in_the_pool_keeps_no_organisation_for_the_next_user()
    {
        var hubRole = new NpgsqlConnectionStringBuilder(PostgresServer.As(hub.ConnectionString, PostgresServer.HubRole)) { MaxPoolSize = 1 };
        await using var pool = NpgsqlDataSource.Create(hubRole.ConnectionString);
        int backend;
        using (TenantScope.Organisation(hub.OrganisationId))
        {
            await using var scoped = await new TenantDataSource(pool).OpenConnectionAsync();
            backend = scoped.ProcessID;
            Assert.Equal(hub.OrganisationId.ToString(), await scoped.ExecuteScalarAsync<string>("SELECT current_setting('coworking.organisation_id')"));
        }

        await using var raw = await pool.OpenConnectionAsync();
        Assert.Equal(backend, raw.ProcessID);
        Assert.Equal(string.Empty, await raw.ExecuteScalarAsync<string>("SELECT coalesce(current_setting('coworking.organisation_id', true), '')"));
        Assert.Equal(0, await raw.ExecuteScalarAsync<long>("SELECT count(*) FROM members"));
    }

    [Fact]
    public async Task The_hubs_pool_gives_each_open_its_own_organisation_whatever_the_connection_held_before()
    {
        var (other, otherAdmin) = await hub.NewOrganisationAsync("Pooled Coworking");
        var otherLocation = await HubFixture.CreateLocationAsync(otherAdmin, "Pooled House");
        await HubFixture.CreateMemberAsync(otherAdmin, otherLocation);
        var hubRole = new NpgsqlConnectionStringBuilder(PostgresServer.As(hub.ConnectionString, PostgresServer.HubRole)) { MaxPoolSize = 1 };
        await using var db = TenantDataSource.Create(hubRole.ConnectionString);
        const string OthersMembers = "SELECT count(*) FROM members WHERE organisation_id = @other";
        int backend;
        using (TenantScope.Organisation(other))
        {
            await using var conn = await db.OpenConnectionAsync();
            backend = conn.ProcessID;
            Assert.True(await conn.ExecuteScalarAsync<long>(OthersMembers, new { other }) > 0);

            // A transaction left open when the connection goes back is rolled back, though the session is kept.
            await conn.ExecuteAsync("BEGIN; UPDATE members SET name = 'Left Open' WHERE organisation_id = @other", new { other });
        }

        using (TenantScope.Organisation(hub.OrganisationId))
        {
            await using var conn = await db.OpenConnectionAsync();
            Assert.Equal(backend, conn.ProcessID);
            Assert.Equal(hub.OrganisationId.ToString(), await conn.ExecuteScalarAsync<string>("SELECT current_setting('coworking.organisation_id')"));
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>(OthersMembers, new { other }));
        }

        // Neither an organisation nor the system, on the connection that held one a moment ago: nothing.
        await using (var unscoped = await db.OpenConnectionAsync())
        {
            Assert.Equal(backend, unscoped.ProcessID);
            Assert.Equal(0, await unscoped.ExecuteScalarAsync<long>("SELECT count(*) FROM members"));
        }

        using (TenantScope.Organisation(other))
        {
            await using var conn = await db.OpenConnectionAsync();
            Assert.True(await conn.ExecuteScalarAsync<long>(OthersMembers, new { other }) > 0);
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM members WHERE name = 'Left Open'"));
        }
    }
}
