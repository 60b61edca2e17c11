using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Acd.Cluster.Tests;

/// <summary>
/// The subset of kustomize that k8s/ uses, so the manifests are rendered and checked on every machine (kubectl is not a
/// Debian package): resources (files and folders), namespace, labels, configMap/secret generators (literals, env files,
/// behavior replace), images, replicas and JSON 6902 patches. Generated names get no hash suffix here. With kubectl at
/// hand, `kubectl kustomize k8s/overlays/example` is the cross-check (k8s/README.md).
/// </summary>
public static class Kustomize
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder().Build();

    public static List<Dictionary<object, object>> Render(string directory)
    {
        var kustomization = Load(Path.Combine(directory, "kustomization.yaml")).Single();
        var objects = new List<Dictionary<object, object>>();
        foreach (var resource in List(kustomization, "resources").Cast<string>())
        {
            var path = Path.GetFullPath(Path.Combine(directory, resource));
            objects.AddRange(Directory.Exists(path) ? Render(path) : Load(path));
        }

        foreach (var (kind, key) in new[] { ("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator") })
        {
            foreach (var generator in List(kustomization, key).Cast<Dictionary<object, object>>())
            {
                var name = (string)generator["name"];
                var data = new Dictionary<object, object>();
                foreach (var literal in List(generator, "literals").Cast<string>())
                {
                    var eq = literal.IndexOf('=', StringComparison.Ordinal);
                    data[literal[..eq]] = literal[(eq + 1)..];
                }

                foreach (var env in List(generator, "envs").Cast<string>())
                {
                    foreach (var line in File.ReadAllLines(Path.Combine(directory, env)).Where(l => l.Length > 0 && !l.StartsWith('#')))
                    {
                        var eq = line.IndexOf('=', StringComparison.Ordinal);
                        data[line[..eq]] = line[(eq + 1)..];
                    }
                }

                var existing = objects.FindIndex(o => Kind(o) == kind && Name(o) == name);
                var behavior = generator.TryGetValue("behavior", out var b) ? (string)b : "create";
                if (behavior == "replace" != existing >= 0)
                {
                    throw new InvalidOperationException($"{kind} generator '{name}': behavior {behavior} but {(existing >= 0 ? "it exists" : "nothing to replace")}.");
                }

                var generated = new Dictionary<object, object>
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = kind,
                    ["metadata"] = new Dictionary<object, object> { ["name"] = name },
                    [kind == "Secret" ? "stringData" : "data"] = data,
                };
                if (existing >= 0)
                {
                    // Replacing keeps what the base's transformers gave the object (namespace, labels).
                    generated["metadata"] = Metadata(objects[existing]);
                    objects[existing] = generated;
                }
                else
                {
                    objects.Add(generated);
                }
            }
        }

        if (kustomization.TryGetValue("namespace", out var ns))
        {
            foreach (var o in objects.Where(o => Kind(o) != "Namespace"))
            {
                Metadata(o)["namespace"] = ns;
            }
        }

        foreach (var label in List(kustomization, "labels").Cast<Dictionary<object, object>>())
        {
            foreach (var o in objects)
            {
                var labels = Metadata(o).TryGetValue("labels", out var l) ? (Dictionary<object, object>)l : [];
                Metadata(o)["labels"] = labels;
                foreach (var (k, v) in (Dictionary<object, object>)label["pairs"])
                {
                    labels[k] = v;
                }
            }
        }

        foreach (var image in List(kustomization, "images").Cast<Dictionary<object, object>>())
        {
            foreach (var container in objects.SelectMany(Containers))
            {
                var current = (string)container["image"];
                var (name, tag) = current.Contains(':', StringComparison.Ordinal) ? (current[..current.LastIndexOf(':')], current[(current.LastIndexOf(':') + 1)..]) : (current, null);
                if (name != (string)image["name"])
                {
                    continue;
                }

                name = image.TryGetValue("newName", out var newName) ? (string)newName : name;
                tag = image.TryGetValue("newTag", out var newTag) ? (string)newTag : tag;
                container["image"] = tag is null ? name : $"{name}:{tag}";
            }
        }

        foreach (var replica in List(kustomization, "replicas").Cast<Dictionary<object, object>>())
        {
            var target = objects.Single(o => Name(o) == (string)replica["name"] && Kind(o) is "Deployment" or "StatefulSet");
            ((Dictionary<object, object>)target["spec"])["replicas"] = replica["count"];
        }

        foreach (var patch in List(kustomization, "patches").Cast<Dictionary<object, object>>())
        {
            var target = (Dictionary<object, object>)patch["target"];
            var matches = objects.Where(o => Kind(o) == (string)target["kind"] && Name(o) == (string)target["name"]).ToList();
            if (matches.Count != 1)
            {
                throw new InvalidOperationException($"Patch target {target["kind"]}/{target["name"]} matches {matches.Count} objects.");
            }

            foreach (var op in Yaml.Deserialize<List<Dictionary<object, object>>>((string)patch["patch"]))
            {
                Apply(matches[0], (string)op["op"], (string)op["path"], op.GetValueOrDefault("value"));
            }
        }

        return objects;
    }

    public static string Kind(Dictionary<object, object> o) => (string)o["kind"];

    public static string Name(Dictionary<object, object> o) => (string)Metadata(o)["name"];

    public static Dictionary<object, object> Metadata(Dictionary<object, object> o) => (Dictionary<object, object>)o["metadata"];

    /// <summary>Containers and init containers of a workload's pod template.</summary>
    public static IEnumerable<Dictionary<object, object>> Containers(Dictionary<object, object> o) =>
        PodSpec(o) is { } spec
            ? List(spec, "containers").Concat(List(spec, "initContainers")).Cast<Dictionary<object, object>>()
            : [];

    public static Dictionary<object, object>? PodSpec(Dictionary<object, object> o) =>
        Kind(o) is "Deployment" or "StatefulSet" or "DaemonSet" or "Job"
            ? (Dictionary<object, object>)((Dictionary<object, object>)((Dictionary<object, object>)o["spec"])["template"])["spec"]
            : null;

    public static List<object> List(Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var value) && value is List<object> list ? list : [];

    public static object? At(object? node, string path)
    {
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node switch
            {
                Dictionary<object, object> map => map.GetValueOrDefault(part),
                List<object> list when int.TryParse(part, out var i) && i < list.Count => list[i],
                _ => null,
            };
        }

        return node;
    }

    private static List<Dictionary<object, object>> Load(string file) => Parse(File.ReadAllText(file));

    private static List<Dictionary<object, object>> Parse(string yaml)
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(yaml));
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            if (Yaml.Deserialize<Dictionary<object, object>?>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    /// <summary>RFC 6902 add/replace/remove on the object graph (the operations the overlays use).</summary>
    private static void Apply(Dictionary<object, object> root, string op, string path, object? value)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        object parent = root;
        foreach (var part in parts[..^1])
        {
            parent = parent switch
            {
                Dictionary<object, object> map => map[part],
                List<object> list => list[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)],
                _ => throw new InvalidOperationException($"Patch path {path} does not exist."),
            };
        }

        var last = parts[^1];
        switch (parent, op)
        {
            case (Dictionary<object, object> map, "add" or "replace"):
                if (op == "replace" && !map.ContainsKey(last))
                {
                    throw new InvalidOperationException($"Patch replace: {path} does not exist.");
                }

                map[last] = value!;
                break;
            case (Dictionary<object, object> map, "remove"):
                map.Remove(last);
                break;
            case (List<object> list, "add"):
                if (last == "-")
                {
                    list.Add(value!);
                }
                else
                {
                    list.Insert(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture), value!);
                }

                break;
            case (List<object> list, "replace"):
                list[int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)] = value!;
                break;
            case (List<object> list, "remove"):
                list.RemoveAt(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture));
                break;
            default:
                throw new InvalidOperationException($"Patch op {op} on {path} is not supported.");
        }
    }
}
