using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Acd.Frontend.Tests.Infrastructure;

namespace Acd.Frontend.Tests;

/// <summary>
/// Requests the API cannot bind answer a 400 problem whose errors name the field and what it accepts, in every area:
/// broken JSON, wrong types, unknown enum values, missing bodies and fields, bad query and route values.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class BadRequestTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task Queues_name_the_strategy_and_its_accepted_values_and_other_wrong_fields()
    {
        using var admin = await Host.AdminAsync();
        var id = HostFixture.NewId("q");
        await FieldAsync(await admin.PostAsync("api/v1/queues", Json($$"""{"id":"{{id}}","name":"Q","strategy":"fastest"}""")),
            "strategy", "longestIdle", "roundRobin", "fewestCalls");
        await FieldAsync(await admin.PostAsync("api/v1/queues", Json($$"""{"id":"{{id}}","name":"Q","strategy":3}""")),
            "strategy", "longestIdle");
        await FieldAsync(await admin.PostAsync("api/v1/queues", Json($$"""{"id":"{{id}}","name":"Q","slaSeconds":"twenty"}""")),
            "slaSeconds", "whole number");
        await FieldAsync(await admin.PostAsync("api/v1/queues", Json($$"""{"id":"{{id}}","name":"Q","requiredSkills":{"english":"high"} }""")),
            "requiredSkills.english", "whole number");
        await FieldAsync(await admin.PostAsync("api/v1/queues", Json($$"""{"id":"{{id}}","name":"Q","numbers":"+4930123"}""")),
            "numbers", "array", "string");
        await FieldAsync(await admin.PostAsync("api/v1/queues", Json("""{"id": "x", "name": }""")), "body", "Not valid JSON", "line 1");
        await FieldAsync(await admin.PostAsync("api/v1/queues", Json("""[1, 2]""")), "body", "JSON object", "strategy");
        await FieldAsync(await admin.PostAsync("api/v1/queues", Json(string.Empty)), "body", "Required");
        await FieldAsync(await admin.PostAsync("api/v1/queues", Json("null")), "body", "Required");
        var missing = await FieldAsync(await admin.PostAsync("api/v1/queues", Json("{}")), "id", "letters, digits");
        Assert.True(missing.GetProperty("errors").TryGetProperty("name", out _));

        await FieldAsync(await admin.PostAsync("api/v1/queues", Json($$"""{"id":"{{id}}","name":"Q","strategy":"longest-idle"}""")),
            "strategy", "one of: longestIdle, roundRobin, fewestCalls");
        var created = await admin.PostAsync("api/v1/queues", Json($$"""{"id":"{{id}}","name":"Q","strategy":"fewestCalls"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("fewestCalls", (await HostFixture.JsonAsync(created)).GetProperty("strategy").GetString());

        // The OpenAPI document offers the same values.
        var openApi = JsonDocument.Parse(await admin.GetStringAsync("openapi/v1.json")).RootElement;
        var strategies = openApi.GetProperty("components").GetProperty("schemas").GetProperty("RoutingStrategy").GetProperty("enum");
        Assert.Equal(["longestIdle", "roundRobin", "fewestCalls"], strategies.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()));

        var wrongType = await admin.PostAsync("api/v1/queues", new StringContent("id=x", Encoding.UTF8, "text/plain"));
        var unsupported = await Problems.AssertAsync(wrongType, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", unsupported.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_name_wrongly_typed_skills_queues_and_roles()
    {
        using var admin = await Host.AdminAsync();
        await FieldAsync(await admin.PostAsync("api/v1/agents", Json("""{"id":"a1","name":"A","password":"password-1","skills":{"english":"five"}}""")),
            "skills.english", "whole number");
        await FieldAsync(await admin.PostAsync("api/v1/agents", Json("""{"id":"a1","name":"A","password":"password-1","queues":"sales"}""")),
            "queues", "array", "string");
        await FieldAsync(await admin.PostAsync("api/v1/agents", Json("""{"id":"a1","name":"A","password":"password-1","roles":[7]}""")),
            "roles[0]", "string");
        await FieldAsync(await admin.PostAsync("api/v1/agents", Json("""{"id":"a1","name":"A","password":true}""")), "password", "string");
    }

    [Fact]
    public async Task Calls_name_enum_fields_query_values_and_the_parking_slot()
    {
        using var admin = await Host.AdminAsync();
        await FieldAsync(await admin.PostAsync("api/v1/calls/some-call/hangup", Json("""{"side":"both"}""")), "side", "agent", "caller", "system");
        await FieldAsync(await admin.PostAsync("api/v1/calls/some-call/transfer", Json("""{"target":"1000","mode":"warm"}""")),
            "mode", "blind", "attended");
        await FieldAsync(await admin.PostAsync("api/v1/calls/inbound", Json("""{"from":"+491","to":"+492","priority":"high"}""")),
            "priority", "whole number");
        await FieldAsync(await admin.GetAsync("api/v1/calls?page=abc"), "page", "whole number", "abc");
        await FieldAsync(await admin.GetAsync("api/v1/calls?from=yesterday"), "from", "ISO 8601");
        await FieldAsync(await admin.PostAsync("api/v1/parking/first/retrieve", null), "slot", "whole number", "first");
    }

    [Fact]
    public async Task Customers_reason_codes_reports_and_auth_name_their_fields()
    {
        using var admin = await Host.AdminAsync();
        await FieldAsync(await admin.PostAsync("api/v1/customers", Json("""{"id":"c1","name":"C","attributes":{"tier":5}}""")),
            "attributes.tier", "string");
        await FieldAsync(await admin.PostAsync("api/v1/customers", Json("""{"id":"c1","name":"C","phoneNumbers":[1234]}""")),
            "phoneNumbers[0]", "string");
        await FieldAsync(await admin.GetAsync("api/v1/customers?pageSize=ten"), "pageSize", "whole number");

        await FieldAsync(await admin.PutAsync("api/v1/reason-codes", Json("""{"codes":"break"}""")), "codes", "array", "string");
        await FieldAsync(await admin.PostAsync("api/v1/reason-codes", Json("""{"code":{"name":"x"}}""")), "code", "string");

        await FieldAsync(await admin.GetAsync("api/v1/reports/calls?from=last-week"), "from", "ISO 8601", "last-week");
        await FieldAsync(await admin.GetAsync("api/v1/reports/calls?slaSeconds=twenty"), "slaSeconds", "whole number");
        await FieldAsync(await admin.GetAsync("api/v1/reports/agents?format=xml"), "format", "csv");

        using var anonymous = Host.Client();
        await FieldAsync(await anonymous.PostAsync("api/v1/auth/token", Json("""{"username":["admin"],"password":"x"}""")), "username", "string");
        await FieldAsync(await anonymous.PostAsync("api/v1/auth/refresh", Json("""{"refreshToken":42}""")), "refreshToken", "string");
        await FieldAsync(await anonymous.PostAsync("api/v1/auth/token", Json("""{"username":"admin",""")), "body", "Not valid JSON");
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>A 400 problem+json with errors[field] mentioning each of the words.</summary>
    private static async Task<JsonElement> FieldAsync(HttpResponseMessage response, string field, params string[] mentions)
    {
        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors), $"no errors in {problem}");
        Assert.True(errors.TryGetProperty(field, out var messages), $"no error for '{field}' in {errors}");
        var text = string.Join(" ", messages.EnumerateArray().Select(m => m.GetString()));
        foreach (var mention in mentions)
        {
            Assert.True(text.Contains(mention, StringComparison.Ordinal), $"'{mention}' is not in the error for '{field}': {problem}");
        }

        return problem;
    }
}
