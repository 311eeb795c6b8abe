using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Tracing.Sdk.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace Tracing.Sdk.Tests.Layering;

/// <summary>
/// The core's folders depend one way (docs/design.md, "Folders depend one way"): no folder of src/Tracing.Sdk names,
/// directly or through others, a type declared in a folder that names it back. The graph comes from the source text,
/// without a compiler: a folder depends on another when one of its files names a top-level type declared there
/// (comments and string literals removed; <c>x.Name</c> member accesses are not type names unless <c>x</c> is one of
/// the package's namespace segments; <c>Name&lt;</c> only counts for generic declarations, so <c>Span&lt;byte&gt;</c>
/// is not our <c>Span</c>).
/// </summary>
public sealed class FolderDependencyTests
{
    private static readonly Regex s_declaration = new(
        @"\b(?:class|struct|interface|enum|record|delegate\s+[\w<>\[\]?,. ]+?)\s+([A-Z]\w*)(<?)", RegexOptions.Compiled);

    private static readonly Regex s_name = new(@"(?<![\w])([A-Z]\w*)\b\s*(<?)", RegexOptions.Compiled);

    private readonly ITestOutputHelper _output;

    public FolderDependencyTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void CoreFolders_HaveNoDependencyCycle()
    {
        string root = Path.Combine(Repository.Root, "src", "Tracing.Sdk");
        var graph = FolderGraph.Read(root);
        _output.WriteLine(graph.Describe());

        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, "Folder dependency cycles in src/Tracing.Sdk:\n" + string.Join("\n", cycles.Select(graph.DescribeCycle)));
    }

    [Fact]
    public void Graph_FindsACycle_WhenTwoFoldersNameEachOther()
    {
        // The check itself must be able to fail: two folders that name each other's types, one through a comment
        // and a string that must not count, and System.Span<T> that must not count as a Span of ours.
        string root = Path.Combine(Path.GetTempPath(), "folder-deps-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "Low"));
            Directory.CreateDirectory(Path.Combine(root, "High"));
            Directory.CreateDirectory(Path.Combine(root, "Other"));
            File.WriteAllText(Path.Combine(root, "Low", "Span.cs"), "namespace N;\npublic readonly struct Span { }\ninternal sealed class Store { High? _back; }\n");
            File.WriteAllText(Path.Combine(root, "High", "High.cs"), "namespace N;\npublic sealed class High { Span _s; }\n");
            File.WriteAllText(
                Path.Combine(root, "Other", "Other.cs"),
                "namespace N;\n// High is only mentioned here\npublic sealed class Other { string _t = \"High\"; System.Span<byte> _b; void M(Span<int> x) { } }\n");

            var graph = FolderGraph.Read(root);
            var cycles = graph.Cycles();

            Assert.Equal(["High", "Low"], Assert.Single(cycles));
            Assert.Empty(graph.Edges("Other"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed class FolderGraph
    {
        private readonly List<string> _folders;
        private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _edges;

        private FolderGraph(List<string> folders, Dictionary<string, Dictionary<string, SortedSet<string>>> edges)
        {
            _folders = folders;
            _edges = edges;
        }

        public static FolderGraph Read(string root)
        {
            var folders = Directory.GetDirectories(root)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(name => name is not ("bin" or "obj"))
                .Order(StringComparer.Ordinal)
                .ToList();
            var namespaceSegments = new HashSet<string>(folders, StringComparer.Ordinal) { "Sdk" };

            var files = new List<(string Folder, string File, string Code)>();
            var declaredIn = new Dictionary<string, string>(StringComparer.Ordinal);
            var generic = new HashSet<string>(StringComparer.Ordinal);
            foreach (string folder in folders)
            {
                foreach (string path in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
                {
                    string code = StripCommentsAndStrings(File.ReadAllText(path));
                    files.Add((folder, Path.GetFileName(path), code));
                    foreach (Match m in s_declaration.Matches(code))
                    {
                        if (BraceDepth(code, m.Index) != 0)
                        {
                            continue; // nested types are reached through their outer type
                        }

                        declaredIn.TryAdd(m.Groups[1].Value, folder);
                        if (m.Groups[2].Length > 0)
                        {
                            generic.Add(m.Groups[1].Value);
                        }
                    }
                }
            }

            var edges = folders.ToDictionary(f => f, _ => new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (var (folder, file, code) in files)
            {
                foreach (Match m in s_name.Matches(code))
                {
                    string name = m.Groups[1].Value;
                    if (!declaredIn.TryGetValue(name, out string? target) || target == folder)
                    {
                        continue;
                    }

                    if (m.Groups[2].Length > 0 && !generic.Contains(name))
                    {
                        continue;
                    }

                    if (m.Index > 0 && code[m.Index - 1] == '.' && !namespaceSegments.Contains(WordBefore(code, m.Index - 1)))
                    {
                        continue;
                    }

                    if (!edges[folder].TryGetValue(target, out var why))
                    {
                        edges[folder][target] = why = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    why.Add(file + ":" + name);
                }
            }

            return new FolderGraph(folders, edges);
        }

        public IReadOnlyCollection<string> Edges(string folder) => _edges[folder].Keys;

        /// <summary>Every strongly connected set of two or more folders (Tarjan), each sorted by name.</summary>
        public List<List<string>> Cycles()
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var low = new Dictionary<string, int>(StringComparer.Ordinal);
            var stack = new Stack<string>();
            var onStack = new HashSet<string>(StringComparer.Ordinal);
            var result = new List<List<string>>();
            int next = 0;

            void Visit(string v)
            {
                index[v] = low[v] = next++;
                stack.Push(v);
                onStack.Add(v);
                foreach (string w in _edges[v].Keys)
                {
                    if (!index.TryGetValue(w, out int wIndex))
                    {
                        Visit(w);
                        low[v] = Math.Min(low[v], low[w]);
                    }
                    else if (onStack.Contains(w))
                    {
                        low[v] = Math.Min(low[v], wIndex);
                    }
                }

                if (low[v] == index[v])
                {
                    var component = new List<string>();
                    string w;
                    do
                    {
                        w = stack.Pop();
                        onStack.Remove(w);
                        component.Add(w);
                    }
                    while (w != v);

                    if (component.Count > 1)
                    {
                        component.Sort(StringComparer.Ordinal);
                        result.Add(component);
                    }
                }
            }

            foreach (string folder in _folders)
            {
                if (!index.ContainsKey(folder))
                {
                    Visit(folder);
                }
            }

            return result;
        }

        public string Describe()
        {
            var text = new StringBuilder();
            foreach (string folder in _folders)
            {
                text.Append(folder).Append(" -> ").AppendJoin(", ", _edges[folder].Keys.Order(StringComparer.Ordinal)).AppendLine();
            }

            return text.ToString();
        }

        public string DescribeCycle(List<string> cycle)
        {
            var text = new StringBuilder("cycle among ").AppendJoin(", ", cycle).AppendLine();
            foreach (string from in cycle)
            {
                foreach (string to in cycle)
                {
                    if (_edges[from].TryGetValue(to, out var why))
                    {
                        text.Append("  ").Append(from).Append(" -> ").Append(to).Append(": ").AppendJoin(", ", why).AppendLine();
                    }
                }
            }

            return text.ToString();
        }

        private static string WordBefore(string code, int dot)
        {
            int end = dot;
            int start = end;
            while (start > 0 && (char.IsLetterOrDigit(code[start - 1]) || code[start - 1] == '_'))
            {
                start--;
            }

            return code[start..end];
        }

        private static int BraceDepth(string code, int until)
        {
            int depth = 0;
            for (int i = 0; i < until; i++)
            {
                depth += code[i] switch { '{' => 1, '}' => -1, _ => 0 };
            }

            return depth;
        }

        private static string StripCommentsAndStrings(string code)
        {
            code = Regex.Replace(code, @"//[^\n]*", string.Empty);
            code = Regex.Replace(code, @"/\*.*?\*/", string.Empty, RegexOptions.Singleline);
            code = Regex.Replace(code, "@\"(?:[^\"]|\"\")*\"", "\"\"");
            code = Regex.Replace(code, "\"(?:\\\\.|[^\"\\\\\\n])*\"", "\"\"");
            return Regex.Replace(code, @"'(?:\\.|[^'\\\n])'", "''");
        }
    }
}
