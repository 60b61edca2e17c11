namespace Acd.Frontend.FirstRun;

/// <summary>How the "admin" account stood when this process started.</summary>
public enum AdminBootstrap
{
    /// <summary>The bootstrap did not run (yet), e.g. the cluster was not reachable.</summary>
    Unknown = 0,

    /// <summary>Created now with a random password (<see cref="FirstRunState.GeneratedPassword"/>), to be changed at first sign-in.</summary>
    Generated,

    /// <summary>Created now with Bootstrap:AdminPassword.</summary>
    Configured,

    /// <summary>The account existed already; its generated password has not been changed yet.</summary>
    ExistingUnchanged,

    /// <summary>The account existed already.</summary>
    Existing,
}

/// <summary>
/// What the admin bootstrap did, kept for the start-up banner: the banner is written once the server listens, which is
/// after the bootstrap ran.
/// </summary>
public sealed class FirstRunState
{
    private volatile Outcome _outcome = new(AdminBootstrap.Unknown, null);

    public AdminBootstrap Admin => _outcome.Admin;

    /// <summary>The random password of a just-created admin; null otherwise (it is never stored, only its hash).</summary>
    public string? GeneratedPassword => _outcome.Password;

    public void Record(AdminBootstrap admin, string? generatedPassword = null) => _outcome = new Outcome(admin, generatedPassword);

    private sealed record Outcome(AdminBootstrap Admin, string? Password);
}
