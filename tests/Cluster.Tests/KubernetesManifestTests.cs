using System.Text.RegularExpressions;
using static Acd.Cluster.Tests.Kustomize;

namespace Acd.Cluster.Tests;

/// <summary>
/// k8s/ rendered (base and the example overlay) and every object checked against the API schema subset we rely on and
/// against the rules issue 7 sets: references resolve, probes and ports line up, pods are non-root with resources,
/// the silo carries the Orleans labels and downward-API variables, RBAC is least privilege.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly Dictionary<string, string> ApiVersions = new()
    {
        ["Namespace"] = "v1",
        ["ServiceAccount"] = "v1",
        ["ConfigMap"] = "v1",
        ["Secret"] = "v1",
        ["Service"] = "v1",
        ["Role"] = "rbac.authorization.k8s.io/v1",
        ["RoleBinding"] = "rbac.authorization.k8s.io/v1",
        ["Deployment"] = "apps/v1",
        ["StatefulSet"] = "apps/v1",
        ["PodDisruptionBudget"] = "policy/v1",
        ["HorizontalPodAutoscaler"] = "autoscaling/v2",
        ["Ingress"] = "networking.k8s.io/v1",
    };

    public static TheoryData<string> Directories => new() { "k8s/base", "k8s/overlays/example", "k8s/overlays/media-hostnetwork" };

    [Theory]
    [MemberData(nameof(Directories))]
    public void Every_object_is_valid_and_every_reference_resolves(string directory)
    {
        var objects = Render(Path.Combine(NodeProcess.RepositoryRoot, directory));
        Check(objects);
    }

    [Fact]
    public void The_overlay_sets_images_replicas_secrets_and_public_names()
    {
        var objects = Render(Path.Combine(NodeProcess.RepositoryRoot, "k8s/overlays/example"));
        var silo = objects.Single(o => Kind(o) == "Deployment" && Name(o) == "acd-silo");
        Assert.Equal("4", At(silo, "spec.replicas")?.ToString());
        Assert.All(Containers(silo), c => Assert.StartsWith("registry.example.com/acd/acd-silo:", (string)c["image"], StringComparison.Ordinal));
        var secret = objects.Single(o => Kind(o) == "Secret");
        Assert.DoesNotContain("change-me", (string)At(secret, "stringData.connection-string")!, StringComparison.Ordinal);
        Assert.Equal("acd.contoso.example", At(objects.Single(o => Kind(o) == "Ingress"), "spec.rules.0.host"));
        var frontend = objects.Single(o => Kind(o) == "Deployment" && Name(o) == "acd-frontend");
        Assert.Contains(List(Containers(frontend).First(), "env").Cast<Dictionary<object, object>>(), e => (string)e["name"] == "Sip__PublicHost");
    }

    [Theory]
    [MemberData(nameof(Directories))]
    public void Frontends_get_a_grace_period_that_covers_their_drain_and_a_media_port_range(string directory)
    {
        var frontend = Render(Path.Combine(NodeProcess.RepositoryRoot, directory)).Single(o => Kind(o) == "Deployment" && Name(o) == "acd-frontend");
        var env = List(Containers(frontend).Single(), "env").Cast<Dictionary<object, object>>()
            .Where(e => e.ContainsKey("value")).ToDictionary(e => (string)e["name"], e => (string)e["value"]);
        var drain = int.Parse(env["Sip__DrainSeconds"], System.Globalization.CultureInfo.InvariantCulture);
        var grace = int.Parse((string)At(frontend, "spec.template.spec.terminationGracePeriodSeconds")!, System.Globalization.CultureInfo.InvariantCulture);
        var preStop = int.Parse((string)At(Containers(frontend).Single(), "lifecycle.preStop.sleep.seconds")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(drain >= 3600, $"frontends drain calls for an hour (Sip__DrainSeconds {drain})");
        Assert.True(grace >= drain + preStop + 30, $"terminationGracePeriodSeconds {grace} covers preStop {preStop} s, drain {drain} s and the final flush");
        var min = int.Parse(env["Media__PortMin"], System.Globalization.CultureInfo.InvariantCulture);
        var max = int.Parse(env["Media__PortMax"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(min >= 1024 && max <= 65535 && max - min >= 999, $"a media port range of at least 1000 ports ({min}-{max})");
    }

    [Fact]
    public void The_host_network_overlay_puts_one_frontend_per_node_on_the_nodes_address()
    {
        var objects = Render(Path.Combine(NodeProcess.RepositoryRoot, "k8s/overlays/media-hostnetwork"));
        var frontend = objects.Single(o => Kind(o) == "Deployment" && Name(o) == "acd-frontend");
        Assert.Equal("true", At(frontend, "spec.template.spec.hostNetwork")?.ToString());
        Assert.Equal("ClusterFirstWithHostNet", At(frontend, "spec.template.spec.dnsPolicy"));
        Assert.Equal("kubernetes.io/hostname",
            At(frontend, "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.0.topologyKey"));
        Assert.Equal("0", At(frontend, "spec.strategy.rollingUpdate.maxSurge")?.ToString());
        var env = List(Containers(frontend).Single(), "env").Cast<Dictionary<object, object>>().ToList();
        Assert.Contains(env, e => (string)e["name"] == "NODE_IP" && At(e, "valueFrom.fieldRef.fieldPath") as string == "status.hostIP");
        Assert.Contains(env, e => (string)e["name"] == "Media__PublicAddress" && e.GetValueOrDefault("value") as string == "$(NODE_IP)");
        var ns = objects.Single(o => Kind(o) == "Namespace");
        Assert.Equal("privileged", ((Dictionary<object, object>)At(ns, "metadata.labels")!)["pod-security.kubernetes.io/enforce"]);
        // The silos stay on the pod network under the same namespace: only the frontends take the host's network.
        Assert.Null(At(objects.Single(o => Kind(o) == "Deployment" && Name(o) == "acd-silo"), "spec.template.spec.hostNetwork"));
    }

    private static void Check(List<Dictionary<object, object>> objects)
    {
        var errors = new List<string>();
        void Require(bool condition, Dictionary<object, object> o, string rule)
        {
            if (!condition)
            {
                errors.Add($"{Kind(o)}/{Name(o)}: {rule}");
            }
        }

        var ns = objects.Where(o => Kind(o) == "Namespace").Select(Name).ToList();
        Assert.True(ns.Count == 1, "exactly one Namespace object");
        Assert.Equal(objects.Count, objects.Select(o => $"{Kind(o)}/{Name(o)}").Distinct().Count());
        Dictionary<object, object>? Find(string kind, string name) => objects.FirstOrDefault(o => Kind(o) == kind && Name(o) == name);
        var workloads = objects.Where(o => PodSpec(o) is not null).ToList();

        foreach (var o in objects)
        {
            Require(ApiVersions.TryGetValue(Kind(o), out var api) && (string)o["apiVersion"] == api, o, $"apiVersion {o["apiVersion"]} for this kind");
            Require(DnsName().IsMatch(Name(o)), o, "name is a DNS-1123 name");
            Require(Kind(o) == "Namespace" || (string?)Metadata(o).GetValueOrDefault("namespace") == ns[0], o, $"in namespace {ns[0]}");
            Require((Metadata(o).GetValueOrDefault("labels") as Dictionary<object, object>)?.GetValueOrDefault("app.kubernetes.io/part-of") as string == "acd",
                o, "labelled app.kubernetes.io/part-of=acd");
        }

        foreach (var w in workloads)
        {
            var spec = PodSpec(w)!;
            var templateLabels = (Dictionary<object, object>)At(w, "spec.template.metadata.labels")!;
            var selector = (Dictionary<object, object>)At(w, "spec.selector.matchLabels")!;
            Require(selector.All(kv => templateLabels.TryGetValue(kv.Key, out var v) && Equals(v, kv.Value)), w, "selector matches the pod template labels");
            Require(At(spec, "securityContext.runAsNonRoot") as string == "true", w, "pod runs as non-root");
            Require(At(spec, "securityContext.seccompProfile.type") as string == "RuntimeDefault", w, "RuntimeDefault seccomp profile");
            Require(spec.GetValueOrDefault("serviceAccountName") is string sa && Find("ServiceAccount", sa) is not null, w, "its ServiceAccount exists");
            foreach (var c in Containers(w))
            {
                var name = (string)c["name"];
                Require(At(c, "resources.requests.cpu") is not null && At(c, "resources.requests.memory") is not null && At(c, "resources.limits.memory") is not null,
                    w, $"{name}: cpu/memory requests and a memory limit");
                Require(At(c, "securityContext.allowPrivilegeEscalation") as string == "false", w, $"{name}: no privilege escalation");
                Require(At(c, "securityContext.capabilities.drop") is List<object> drop && drop.Contains("ALL"), w, $"{name}: drops all capabilities");
                var ports = List(c, "ports").Cast<Dictionary<object, object>>().Select(p => (string?)p.GetValueOrDefault("name")).ToHashSet();
                foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
                {
                    if (At(c, $"{probe}.httpGet.port") is string port)
                    {
                        Require(ports.Contains(port), w, $"{name}: {probe} port '{port}' is a container port");
                    }
                }

                var env = List(c, "env").Cast<Dictionary<object, object>>().ToList();
                Require(env.Select(e => e["name"]).Distinct().Count() == env.Count, w, $"{name}: environment names are unique");
                var defined = new HashSet<string>();
                foreach (var e in env)
                {
                    if (e.GetValueOrDefault("value") is string value)
                    {
                        foreach (Match m in VariableReference().Matches(value))
                        {
                            Require(defined.Contains(m.Groups[1].Value), w, $"{name}: {e["name"]} uses $({m.Groups[1].Value}) defined before it");
                        }
                    }

                    if (At(e, "valueFrom.secretKeyRef") is Dictionary<object, object> secretRef)
                    {
                        Require(Find("Secret", (string)secretRef["name"]) is { } secret && At(secret, "stringData." + secretRef["key"]) is not null
                            || Find("Secret", (string)secretRef["name"]) is { } s2 && At(s2, "data." + secretRef["key"]) is not null,
                            w, $"{name}: secret {secretRef["name"]}/{secretRef["key"]} exists");
                    }

                    defined.Add((string)e["name"]);
                }

                foreach (var from in List(c, "envFrom").Cast<Dictionary<object, object>>())
                {
                    Require(At(from, "configMapRef.name") is string cm && Find("ConfigMap", cm) is not null, w, $"{name}: envFrom ConfigMap exists");
                }
            }
        }

        var silo = workloads.Single(w => Name(w) == "acd-silo");
        var siloLabels = (Dictionary<object, object>)At(silo, "spec.template.metadata.labels")!;
        Require(siloLabels.ContainsKey("orleans/serviceId") && siloLabels.ContainsKey("orleans/clusterId"), silo, "pod labels orleans/serviceId and orleans/clusterId");
        var siloContainer = Containers(silo).Single(c => (string)c["name"] == "silo");
        var siloEnv = List(siloContainer, "env").Cast<Dictionary<object, object>>().ToDictionary(e => (string)e["name"]);
        foreach (var (variable, field) in new[] { ("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("POD_IP", "status.podIP") })
        {
            Require(siloEnv.TryGetValue(variable, out var e) && At(e, "valueFrom.fieldRef.fieldPath") as string == field, silo, $"{variable} from {field}");
        }

        Require(siloEnv.TryGetValue("Cluster__AdvertisedAddress", out var advertised) && advertised.GetValueOrDefault("value") as string == "$(POD_IP)", silo, "advertises the pod IP");
        var config = objects.Single(o => Kind(o) == "ConfigMap" && Name(o).StartsWith("acd-config", StringComparison.Ordinal));
        var siloPorts = List(siloContainer, "ports").Cast<Dictionary<object, object>>().ToDictionary(p => (string)p["name"], p => p["containerPort"].ToString());
        Require(siloPorts.GetValueOrDefault("silo") == (string?)At(config, "data.Cluster__SiloPort") && siloPorts.GetValueOrDefault("gateway") == (string?)At(config, "data.Cluster__GatewayPort"),
            silo, "silo and gateway container ports match Cluster__SiloPort/GatewayPort");
        Require(TimeSpan.Parse((string)At(config, "data.Cluster__ShutdownTimeout")!, System.Globalization.CultureInfo.InvariantCulture).TotalSeconds
            < double.Parse(At(silo, "spec.template.spec.terminationGracePeriodSeconds")!.ToString()!, System.Globalization.CultureInfo.InvariantCulture),
            silo, "the shutdown timeout fits in the termination grace period");
        foreach (var w in workloads.Where(w => Name(w) is "acd-silo" or "acd-frontend"))
        {
            var c = Containers(w).First();
            Require(At(c, "startupProbe.httpGet.path") as string == "/health/startup" && At(c, "readinessProbe.httpGet.path") as string == "/health/ready"
                && At(c, "livenessProbe.httpGet.path") as string == "/health/live", w, "startup/ready/live probes on /health/*");
        }

        foreach (var service in objects.Where(o => Kind(o) == "Service"))
        {
            var selector = (Dictionary<object, object>)At(service, "spec.selector")!;
            var targets = workloads.Where(w => selector.All(kv => Equals(At(w, "spec.template.metadata.labels") is Dictionary<object, object> l ? l.GetValueOrDefault(kv.Key) : null, kv.Value))).ToList();
            Require(targets.Count > 0, service, "selects a workload");
            foreach (var port in List((Dictionary<object, object>)service["spec"], "ports").Cast<Dictionary<object, object>>())
            {
                if (port.GetValueOrDefault("targetPort") is string named)
                {
                    var protocol = port.GetValueOrDefault("protocol") as string ?? "TCP";
                    Require(targets.All(t => Containers(t).Any(c => List(c, "ports").Cast<Dictionary<object, object>>()
                        .Any(p => (string?)p.GetValueOrDefault("name") == named && (p.GetValueOrDefault("protocol") as string ?? "TCP") == protocol))),
                        service, $"target port {named}/{protocol} exists on the selected pods");
                }
            }
        }

        foreach (var pdb in objects.Where(o => Kind(o) == "PodDisruptionBudget"))
        {
            var selector = (Dictionary<object, object>)At(pdb, "spec.selector.matchLabels")!;
            Require(workloads.Any(w => selector.All(kv => Equals((At(w, "spec.template.metadata.labels") as Dictionary<object, object>)?.GetValueOrDefault(kv.Key), kv.Value))), pdb, "selects a workload");
        }

        foreach (var hpa in objects.Where(o => Kind(o) == "HorizontalPodAutoscaler"))
        {
            Require(Find((string)At(hpa, "spec.scaleTargetRef.kind")!, (string)At(hpa, "spec.scaleTargetRef.name")!) is not null, hpa, "scale target exists");
            Require(int.Parse((string)At(hpa, "spec.minReplicas")!, System.Globalization.CultureInfo.InvariantCulture)
                <= int.Parse((string)At(hpa, "spec.maxReplicas")!, System.Globalization.CultureInfo.InvariantCulture), hpa, "minReplicas <= maxReplicas");
        }

        foreach (var binding in objects.Where(o => Kind(o) == "RoleBinding"))
        {
            Require(Find((string)At(binding, "roleRef.kind")!, (string)At(binding, "roleRef.name")!) is not null, binding, "its Role exists");
            Require(List(binding, "subjects").Cast<Dictionary<object, object>>().All(s => Find("ServiceAccount", (string)s["name"]) is not null), binding, "its ServiceAccounts exist");
        }

        foreach (var role in objects.Where(o => Kind(o) == "Role"))
        {
            foreach (var rule in List(role, "rules").Cast<Dictionary<object, object>>())
            {
                Require(List(rule, "resources").SequenceEqual(["pods"]), role, "only pods");
                Require(List(rule, "verbs").Cast<string>().All(v => v is "get" or "list" or "watch" or "patch"), role, "read and patch only (no create/delete/*)");
            }
        }

        foreach (var account in objects.Where(o => Kind(o) == "ServiceAccount" && Name(o) != "acd-silo"))
        {
            Require(account.GetValueOrDefault("automountServiceAccountToken") as string == "false", account, "no API token (only silos use the API)");
        }

        foreach (var ingress in objects.Where(o => Kind(o) == "Ingress"))
        {
            foreach (var backend in List((Dictionary<object, object>)At(ingress, "spec.rules.0.http")!, "paths").Cast<Dictionary<object, object>>())
            {
                var service = Find("Service", (string)At(backend, "backend.service.name")!);
                Require(service is not null && List((Dictionary<object, object>)service["spec"], "ports").Cast<Dictionary<object, object>>()
                    .Any(p => (string?)p.GetValueOrDefault("name") == (string?)At(backend, "backend.service.port.name")), ingress, "backend service and port exist");
            }
        }

        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex DnsName();

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VariableReference();
}
