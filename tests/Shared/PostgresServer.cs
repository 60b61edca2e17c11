using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Acd.Testing;

/// <summary>
/// A private PostgreSQL server for the test run: initdb into a temp folder, pg_ctl on a free loopback port, stopped
/// and deleted at the end. Runs as the `postgres` OS user when the tests run as root (PostgreSQL refuses root).
/// Missing binaries fail the tests with instructions; they are never skipped. Compiled into each test project that needs
/// it (Silo, Reporting and Cluster tests); a project that wants databases with its schema adds CreateDatabaseAsync.
/// </summary>
public sealed partial class PostgresServer : IAsyncLifetime
{
    private string _root = "";
    private string _binDir = "";
    private int _databases;

    public int Port { get; private set; }

    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false;Timeout=10";

    public async Task InitializeAsync()
    {
        _binDir = FindBinaries();
        _root = Path.Combine(Path.GetTempPath(), $"acd-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", ["postgres:postgres", _root], asPostgres: false);
        }

        var data = Path.Combine(_root, "data");
        await RunAsync(Path.Combine(_binDir, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-N", "-E", "UTF8", "--locale=C"]);
        Port = FreePort();
        // -F: no fsync (throwaway data); -k: socket in our folder, not /var/run/postgresql.
        await RunAsync(Path.Combine(_binDir, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "30", "-o", $"-F -k {_root} -p {Port} -h 127.0.0.1", "start"]);
    }

    /// <summary>A fresh, empty database owned by the superuser; returns its connection string.</summary>
    public async Task<string> CreateEmptyDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..40].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name};Timeout=10";
    }

    public async Task DisposeAsync()
    {
        if (_root.Length == 0)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static string FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/<version>/bin. " +
            "Install them with `apt-get install -y postgresql` (scripts/install-test-deps.sh does this) and run the tests again.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string[] arguments, bool asPostgres = true)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            start.FileName = "runuser";
            foreach (var a in (string[])["-u", "postgres", "--", file, .. arguments])
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = file;
            foreach (var a in arguments)
            {
                start.ArgumentList.Add(a);
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
