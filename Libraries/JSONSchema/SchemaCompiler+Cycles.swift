extension SchemaCompiler {
    /// Refuses a loop of in-place applicators (`$ref`, `allOf`, `anyOf`, `oneOf`, `not`, `if`…)
    /// that never descends into the instance: validating it would recurse forever.
    func rejectCyclesWithoutProgress() throws(SchemaCompileError) {
        enum Mark { case unvisited, onPath, done }
        var marks = [Mark](repeating: .unvisited, count: nodes.count)
        let successors = nodes.map { node in node.checks.flatMap(\.inPlaceSubschemas) }
        for start in nodes.indices where marks[start] == .unvisited {
            // Iterative depth-first search: the path is the stack, `next` the successor to try.
            var path: [(node: Int, next: Int)] = [(start, 0)]
            marks[start] = .onPath
            while let (node, next) = path.last {
                guard next < successors[node].count else {
                    marks[node] = .done
                    path.removeLast()
                    continue
                }
                path[path.count - 1].next += 1
                let successor = successors[node][next]
                switch marks[successor] {
                case .unvisited:
                    marks[successor] = .onPath
                    path.append((successor, 0))
                case .onPath:
                    let loop = path.drop(while: { $0.node != successor }).map(\.node) + [successor]
                    throw SchemaCompileError(
                        pointer: nodes[node].pointer,
                        message: "schema refers back to itself without descending into the instance: "
                            + loop.map { "#" + nodes[$0].pointer }.joined(separator: " -> ")
                    )
                case .done:
                    break
                }
            }
        }
    }
}
