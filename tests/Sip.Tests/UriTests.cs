using Acd.Sip.Headers;
using Acd.Sip.Uris;

namespace Acd.Sip.Tests;

public sealed class UriTests
{
    [Theory]
    [InlineData("sip:alice@atlanta.com;transport=TCP", "sip:ALICE@AtLanTa.CoM;Transport=tcp", false)] // user is case-sensitive
    [InlineData("sip:alice@AtLanTa.CoM;Transport=tcp", "sip:alice@atlanta.com;transport=TCP", true)]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5", true)]
    [InlineData("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;newparam=5", true)]
    [InlineData("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp", true)]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060", false)]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp", false)]
    [InlineData("sip:carol@chicago.com", "sips:carol@chicago.com", false)]
    [InlineData("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com", true)]
    [InlineData("sip:alice@atlanta.com?subject=project%20x&priority=urgent", "sip:alice@atlanta.com?priority=urgent&subject=project%20x", true)]
    public void Rfc3261_19_1_4_comparison_examples(string a, string b, bool equal)
    {
        Assert.Equal(equal, SipUri.Parse(a).Equals(SipUri.Parse(b)));
    }

    [Fact]
    public void Tel_ipv6_and_password_forms_parse()
    {
        var tel = SipUri.Parse("tel:+1-201-555-0123;phone-context=example.com");
        Assert.True(tel.IsTel);
        Assert.Equal("+1-201-555-0123", tel.Host);
        Assert.Equal("example.com", tel.Parameters["phone-context"]);
        Assert.Equal(tel, SipUri.Parse("tel:+12015550123;phone-context=example.com"));
        var v6 = SipUri.Parse("sips:bob:secret@[2001:db8::10]:5061;transport=tls");
        Assert.Equal("[2001:db8::10]", v6.Host);
        Assert.Equal(5061, v6.Port);
        Assert.Equal("secret", v6.Password);
        Assert.True(v6.IsSecure);
        Assert.Equal("sips:bob:secret@[2001:db8::10]:5061;transport=tls", v6.WithParameter("lr", null).WithoutParameter("lr").ToString());
    }

    [Fact]
    public void Unescaped_at_sign_in_uri_headers_does_not_move_the_host()
    {
        var u = SipUri.Parse("sip:example.com?to=alice@example.org");
        Assert.Null(u.User);
        Assert.Equal("example.com", u.Host);
        Assert.Equal("alice@example.org", u.Headers["to"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("nocolon")]
    [InlineData("sip:")]
    [InlineData("sip:a@")]
    [InlineData("sip:a@b:99999")]
    [InlineData("sip:a@b;;x")]
    [InlineData("sip:a b@c")]
    [InlineData("sip:a@b?")]
    [InlineData("sip:%zz@b")]
    [InlineData("1sip:a@b")]
    public void Invalid_uris_are_reported(string text)
    {
        Assert.False(SipUri.TryParse(text, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Name_addr_builders_quote_display_names()
    {
        var a = new SipNameAddress(SipUri.Parse("sip:a@b"), "Doe, \"Jr\"").WithTag("x");
        Assert.Equal("\"Doe, \\\"Jr\\\"\" <sip:a@b>;tag=x", a.ToString());
        var back = SipNameAddress.Parse(a.ToString());
        Assert.Equal("Doe, \"Jr\"", back.DisplayName);
        Assert.Equal("x", back.Tag);
    }
}
