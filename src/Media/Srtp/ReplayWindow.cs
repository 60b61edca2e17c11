namespace Acd.Media.Srtp;

/// <summary>
/// The replay list of RFC 3711 3.3.2 as a sliding bitmap of 128 indices below the highest one authenticated.
/// Check before authenticating, commit only after the tag verified, so forged packets cannot move the window.
/// </summary>
public struct ReplayWindow
{
    public const int Size = 128;
    private ulong _highest;
    private UInt128 _bits;
    private bool _any;

    public readonly SrtpResult Check(ulong index)
    {
        if (!_any || index > _highest) return SrtpResult.Ok;
        var delta = _highest - index;
        if (delta >= Size) return SrtpResult.TooOld;
        return (_bits & (UInt128.One << (int)delta)) != 0 ? SrtpResult.Replayed : SrtpResult.Ok;
    }

    public void Commit(ulong index)
    {
        if (!_any)
        {
            _any = true;
            _highest = index;
            _bits = UInt128.One;
            return;
        }
        if (index > _highest)
        {
            var shift = index - _highest;
            _bits = shift >= Size ? UInt128.One : (_bits << (int)shift) | UInt128.One;
            _highest = index;
        }
        else
        {
            _bits |= UInt128.One << (int)(_highest - index);
        }
    }
}
