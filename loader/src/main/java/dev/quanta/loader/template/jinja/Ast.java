package dev.quanta.loader.template.jinja;

import java.util.List;

/** The syntax tree: statements ({@link Node}) and expressions ({@link Expr}); {@code at} is a source offset. */
final class Ast {
    private Ast() { }

    sealed interface Node permits Text, Output, If, For, Set, SetBlock, Macro, CallBlock, FilterBlock, Break, Continue, Block { }

    record Text(String text) implements Node { }
    record Output(int at, Expr expr) implements Node { }
    record If(List<Expr> conditions, List<List<Node>> bodies, List<Node> elseBody) implements Node { }
    record For(int at, List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> elseBody, boolean recursive) implements Node { }
    /** {@code set a = x}, {@code set a, b = x}, or {@code set ns.attr = x} (then {@code attrOf} is "ns"). */
    record Set(int at, String attrOf, List<String> targets, Expr value) implements Node { }
    record SetBlock(int at, String target, List<Node> body, List<FilterCall> filters) implements Node { }
    record Macro(int at, String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node { }
    record CallBlock(int at, List<String> params, List<Expr> defaults, Expr call, List<Node> body) implements Node { }
    record FilterBlock(int at, List<FilterCall> filters, List<Node> body) implements Node { }
    record Break(int at) implements Node { }
    record Continue(int at) implements Node { }
    /** A block rendered as is: {@code generation} (Hugging Face's assistant-mask marker). */
    record Block(List<Node> body) implements Node { }

    record FilterCall(int at, String name, List<Expr> args, List<String> kwNames, List<Expr> kwValues) { }

    sealed interface Expr permits Literal, Name, ListLit, TupleLit, DictLit, GetAttr, GetItem, Slice, Call, Filter, Test,
            Unary, Binary, And, Or, Not, Compare, CondExpr {
        int at();
    }

    record Literal(int at, Object value) implements Expr { }
    record Name(int at, String name) implements Expr { }
    record ListLit(int at, List<Expr> items) implements Expr { }
    record TupleLit(int at, List<Expr> items) implements Expr { }
    record DictLit(int at, List<Expr> keys, List<Expr> values) implements Expr { }
    record GetAttr(int at, Expr target, String name) implements Expr { }
    record GetItem(int at, Expr target, Expr key) implements Expr { }
    record Slice(int at, Expr target, Expr start, Expr stop, Expr step) implements Expr { }
    record Call(int at, Expr callee, List<Expr> args, List<String> kwNames, List<Expr> kwValues) implements Expr { }
    record Filter(int at, Expr target, FilterCall filter) implements Expr { }
    record Test(int at, Expr target, String name, List<Expr> args, boolean negated) implements Expr { }
    record Unary(int at, String op, Expr operand) implements Expr { }
    record Binary(int at, String op, Expr left, Expr right) implements Expr { }
    record And(int at, Expr left, Expr right) implements Expr { }
    record Or(int at, Expr left, Expr right) implements Expr { }
    record Not(int at, Expr operand) implements Expr { }
    /** A chain {@code a < b <= c}; ops are ==, !=, <, <=, >, >=, in, notin. */
    record Compare(int at, Expr first, List<String> ops, List<Expr> rest) implements Expr { }
    record CondExpr(int at, Expr condition, Expr then, Expr otherwise) implements Expr { }
}
