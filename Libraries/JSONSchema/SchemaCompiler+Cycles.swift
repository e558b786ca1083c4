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

extension SchemaCompiler {
    /// Refuses a schema that applies more than `JSONSchema.maxInPlaceExpansion` subschemas to one
    /// value (the in-place applicators, counted with repeats): `allOf` of two refs to a definition
    /// that does the same, 40 levels deep, would take 2^40 evaluations for every value. Runs after
    /// ``rejectCyclesWithoutProgress()``, so the in-place references form no loop.
    func rejectExpansions() throws(SchemaCompileError) {
        let limit = JSONSchema.maxInPlaceExpansion
        let successors = nodes.map { node in node.checks.flatMap(\.inPlaceSubschemas) }
        var cost = [Int?](repeating: nil, count: nodes.count)
        for start in nodes.indices where cost[start] == nil {
            // Iterative post-order: a node's cost once its successors' are known.
            var stack = [start]
            while let node = stack.last {
                let pending = successors[node].filter { cost[$0] == nil }
                if !pending.isEmpty {
                    stack += pending
                    continue
                }
                stack.removeLast()
                guard cost[node] == nil else { continue }
                // Capped just past the limit: the sum of many large costs must not overflow.
                let total = successors[node].reduce(1) { min($0 + cost[$1]!, limit + 1) }
                if total > limit {
                    throw SchemaCompileError(
                        pointer: nodes[node].pointer,
                        message: "applies more than \(limit) subschemas to one value through $ref, allOf, anyOf, "
                            + "oneOf, not or if/then/else (each repeat counted); validating would take too long")
                }
                cost[node] = total
            }
        }
    }
}
