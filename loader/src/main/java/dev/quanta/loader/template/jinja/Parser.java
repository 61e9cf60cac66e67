package dev.quanta.loader.template.jinja;

import dev.quanta.loader.template.jinja.Ast.*;
import dev.quanta.loader.template.jinja.Lexer.Kind;
import dev.quanta.loader.template.jinja.Lexer.Token;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for the Jinja2 statements and expressions chat templates use, with
 * Jinja2's operator precedence: inline if &lt; or &lt; and &lt; not &lt; comparisons / in &lt;
 * + - &lt; ~ &lt; * / // % &lt; ** &lt; unary minus &lt; filters and tests &lt; . [] () on a primary.
 */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");
    private static final Set<String> NOT_A_TEST_ARG = Set.of("else", "or", "and", "if", "in", "not", "is");

    private final Lexer lexer;
    private final List<Token> tokens;
    private int p;
    private int loopDepth;

    Parser(Lexer lexer) {
        this.lexer = lexer;
        this.tokens = lexer.tokenize();
    }

    List<Node> parseTemplate() {
        List<Node> body = parseBody(Set.of(), null);
        if (peek().kind() != Kind.EOF) {
            Token t = tokens.get(p + 1);
            throw lexer.error(t.offset(), "unexpected '" + t.text() + "' (no block is open)");
        }
        return body;
    }

    // ---- token helpers --------------------------------------------------------------------

    private Token peek() { return tokens.get(p); }

    private Token next() { return tokens.get(p++); }

    private boolean isOp(String op) {
        Token t = peek();
        return t.kind() == Kind.OP && t.text().equals(op);
    }

    private boolean isName(String name) {
        Token t = peek();
        return t.kind() == Kind.NAME && t.text().equals(name);
    }

    private boolean skipOp(String op) {
        if (isOp(op)) { p++; return true; }
        return false;
    }

    private boolean skipName(String name) {
        if (isName(name)) { p++; return true; }
        return false;
    }

    private Token expectOp(String op) {
        if (!isOp(op)) throw unexpected("'" + op + "'");
        return next();
    }

    private String expectName(String what) {
        Token t = peek();
        if (t.kind() != Kind.NAME) throw unexpected(what);
        p++;
        return t.text();
    }

    private void expectBlockEnd() {
        if (peek().kind() != Kind.BLOCK_END) throw unexpected("'%}'");
        p++;
    }

    private JinjaException unexpected(String expected) {
        Token t = peek();
        return lexer.error(t.offset(), "expected " + expected + ", found " + t);
    }

    // ---- statements -----------------------------------------------------------------------

    /**
     * Parses nodes until a block tag whose name is in {@code ends}; leaves the parser just after
     * that name (the caller reads the rest of the tag). {@code opener} names the open block for
     * the error at end of template.
     */
    private List<Node> parseBody(Set<String> ends, Token opener) {
        List<Node> body = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case EOF -> {
                    if (ends.isEmpty()) return body;
                    throw lexer.error(opener.offset(), "'" + opener.text() + "' block is never closed (expected "
                            + String.join(" or ", ends.stream().sorted().map(e -> "'" + e + "'").toList()) + ")");
                }
                case TEXT -> { p++; body.add(new Text((String) t.value())); }
                case VAR_BEGIN -> {
                    p++;
                    Expr e = parseTuple(true);
                    if (peek().kind() != Kind.VAR_END) throw unexpected("'}}'");
                    p++;
                    body.add(new Output(t.offset(), e));
                }
                case BLOCK_BEGIN -> {
                    Token tag = tokens.get(p + 1);
                    if (tag.kind() != Kind.NAME) { p++; throw unexpected("a tag name"); }
                    if (ends.contains(tag.text())) { p += 2; return body; }
                    if (tag.text().startsWith("end") || tag.text().equals("elif") || tag.text().equals("else"))
                        throw lexer.error(tag.offset(), "unexpected '" + tag.text() + "'"
                                + (opener == null ? " (no block is open)" : " inside '" + opener.text() + "' block"));
                    p += 2;
                    body.add(parseStatement(tag));
                }
                default -> throw unexpected("text or a tag");
            }
        }
    }

    private Node parseStatement(Token tag) {
        switch (tag.text()) {
            case "if": return parseIf(tag);
            case "for": return parseFor(tag);
            case "set": return parseSet(tag);
            case "macro": return parseMacro(tag);
            case "call": return parseCallBlock(tag);
            case "filter": {
                List<FilterCall> filters = parseFilterChain(true);
                expectBlockEnd();
                List<Node> body = parseBody(Set.of("endfilter"), tag);
                expectBlockEnd();
                return new FilterBlock(tag.offset(), filters, body);
            }
            case "break", "continue": {
                if (loopDepth == 0) throw lexer.error(tag.offset(), "'" + tag.text() + "' outside a for loop");
                expectBlockEnd();
                return tag.text().equals("break") ? new Break(tag.offset()) : new Continue(tag.offset());
            }
            case "generation": {
                expectBlockEnd();
                List<Node> body = parseBody(Set.of("endgeneration"), tag);
                expectBlockEnd();
                return new Block(body);
            }
            default:
                if (tag.text().startsWith("end")) throw lexer.error(tag.offset(), "unexpected '" + tag.text() + "' (no matching block is open)");
                throw lexer.error(tag.offset(), "unknown tag '" + tag.text() + "'");
        }
    }

    private Node parseIf(Token tag) {
        List<Expr> conds = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> elseBody = List.of();
        conds.add(parseTuple(true));
        expectBlockEnd();
        while (true) {
            bodies.add(parseBody(Set.of("elif", "else", "endif"), tag));
            String end = tokens.get(p - 1).text();
            if (end.equals("elif")) {
                conds.add(parseTuple(true));
                expectBlockEnd();
            } else if (end.equals("else")) {
                expectBlockEnd();
                elseBody = parseBody(Set.of("endif"), tag);
                expectBlockEnd();
                break;
            } else {
                expectBlockEnd();
                break;
            }
        }
        return new If(conds, bodies, elseBody);
    }

    private List<String> parseTargets() {
        List<String> names = new ArrayList<>();
        boolean paren = skipOp("(");
        do {
            if (paren && isOp(")")) break;
            names.add(expectName("a variable name"));
        } while (skipOp(","));
        if (paren) expectOp(")");
        return names;
    }

    private Node parseFor(Token tag) {
        List<String> targets = parseTargets();
        if (!skipName("in")) throw unexpected("'in'");
        Expr iterable = parseTuple(false);
        Expr filter = skipName("if") ? parseExpression(true) : null;
        boolean recursive = skipName("recursive");
        expectBlockEnd();
        loopDepth++;
        List<Node> body = parseBody(Set.of("else", "endfor"), tag);
        loopDepth--;
        List<Node> elseBody = List.of();
        if (tokens.get(p - 1).text().equals("else")) {
            expectBlockEnd();
            elseBody = parseBody(Set.of("endfor"), tag);
        }
        expectBlockEnd();
        return new For(tag.offset(), targets, iterable, filter, body, elseBody, recursive);
    }

    private Node parseSet(Token tag) {
        String first = expectName("a variable name");
        if (skipOp(".")) {
            String attr = expectName("an attribute name");
            expectOp("=");
            Expr value = parseTuple(true);
            expectBlockEnd();
            return new Ast.Set(tag.offset(), first, List.of(attr), value);
        }
        List<String> targets = new ArrayList<>();
        targets.add(first);
        while (skipOp(",")) targets.add(expectName("a variable name"));
        if (skipOp("=")) {
            Expr value = parseTuple(true);
            expectBlockEnd();
            return new Ast.Set(tag.offset(), null, targets, value);
        }
        if (targets.size() != 1) throw unexpected("'='");
        List<FilterCall> filters = isOp("|") ? parseFilterChain(false) : List.of();
        expectBlockEnd();
        List<Node> body = parseBody(Set.of("endset"), tag);
        expectBlockEnd();
        return new SetBlock(tag.offset(), first, body, filters);
    }

    private void parseSignature(List<String> params, List<Expr> defaults) {
        expectOp("(");
        while (!isOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            if (isOp(")")) break;
            params.add(expectName("a parameter name"));
            defaults.add(skipOp("=") ? parseExpression(true) : null);
        }
        expectOp(")");
    }

    private Node parseMacro(Token tag) {
        String name = expectName("a macro name");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parseSignature(params, defaults);
        expectBlockEnd();
        int outerLoops = loopDepth;
        loopDepth = 0;
        List<Node> body = parseBody(Set.of("endmacro"), tag);
        loopDepth = outerLoops;
        if (peek().kind() == Kind.NAME) p++; // {% endmacro name %}
        expectBlockEnd();
        return new Macro(tag.offset(), name, params, defaults, body);
    }

    private Node parseCallBlock(Token tag) {
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (isOp("(")) parseSignature(params, defaults);
        Expr call = parseExpression(true);
        if (!(call instanceof Call)) throw lexer.error(call.at(), "expected a macro call after 'call'");
        expectBlockEnd();
        List<Node> body = parseBody(Set.of("endcall"), tag);
        expectBlockEnd();
        return new CallBlock(tag.offset(), params, defaults, call, body);
    }

    /** {@code name(args) | name2 ...}; the first '|' is already consumed when {@code leadingPipe} is false... */
    private List<FilterCall> parseFilterChain(boolean startsWithName) {
        List<FilterCall> filters = new ArrayList<>();
        if (startsWithName) filters.add(parseFilterCall());
        while (skipOp("|")) filters.add(parseFilterCall());
        return filters;
    }

    private FilterCall parseFilterCall() {
        Token t = peek();
        StringBuilder name = new StringBuilder(expectName("a filter name"));
        while (isOp(".") && tokens.get(p + 1).kind() == Kind.NAME) { p++; name.append('.').append(next().text()); }
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        if (!Builtins.FILTERS.contains(name.toString())) throw lexer.error(t.offset(), "no filter named '" + name + "'");
        if (isOp("(")) parseArgs(args, kwNames, kwValues);
        return new FilterCall(t.offset(), name.toString(), args, kwNames, kwValues);
    }

    private void parseArgs(List<Expr> args, List<String> kwNames, List<Expr> kwValues) {
        expectOp("(");
        boolean first = true;
        while (!isOp(")")) {
            if (!first) { expectOp(","); if (isOp(")")) break; }
            first = false;
            if (peek().kind() == Kind.NAME && tokens.get(p + 1).kind() == Kind.OP && tokens.get(p + 1).text().equals("=")) {
                kwNames.add(next().text());
                p++;
                kwValues.add(parseExpression(true));
            } else {
                if (!kwNames.isEmpty()) throw unexpected("a keyword argument (positional arguments come first)");
                args.add(parseExpression(true));
            }
        }
        expectOp(")");
    }

    // ---- expressions ----------------------------------------------------------------------

    /** Comma-separated expressions form a tuple (as in {@code set a, b = 1, 2}). */
    private Expr parseTuple(boolean withCondExpr) {
        int at = peek().offset();
        Expr first = parseExpression(withCondExpr);
        if (!isOp(",")) return first;
        List<Expr> items = new ArrayList<>();
        items.add(first);
        while (skipOp(",")) {
            if (!startsExpression()) break;
            items.add(parseExpression(withCondExpr));
        }
        return new TupleLit(at, items);
    }

    private boolean startsExpression() {
        Token t = peek();
        return switch (t.kind()) {
            case NAME, STRING, INT, FLOAT -> true;
            case OP -> Set.of("(", "[", "{", "-", "+").contains(t.text());
            default -> false;
        };
    }

    Expr parseExpression(boolean withCondExpr) {
        Expr e = parseOr();
        if (!withCondExpr) return e;
        while (isName("if")) {
            int at = next().offset();
            Expr cond = parseOr();
            Expr otherwise = skipName("else") ? parseExpression(true) : null;
            e = new CondExpr(at, cond, e, otherwise);
        }
        return e;
    }

    private Expr parseOr() {
        Expr e = parseAnd();
        while (isName("or")) { int at = next().offset(); e = new Or(at, e, parseAnd()); }
        return e;
    }

    private Expr parseAnd() {
        Expr e = parseNot();
        while (isName("and")) { int at = next().offset(); e = new And(at, e, parseNot()); }
        return e;
    }

    private Expr parseNot() {
        if (isName("not")) { int at = next().offset(); return new Not(at, parseNot()); }
        return parseCompare();
    }

    private Expr parseCompare() {
        int at = peek().offset();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OP && COMPARE_OPS.contains(t.text())) { p++; ops.add(t.text()); }
            else if (isName("in")) { p++; ops.add("in"); }
            else if (isName("not") && tokens.get(p + 1).kind() == Kind.NAME && tokens.get(p + 1).text().equals("in")) { p += 2; ops.add("notin"); }
            else break;
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Compare(at, first, ops, rest);
    }

    private Expr parseMath1() {
        Expr e = parseConcat();
        while (isOp("+") || isOp("-")) { Token t = next(); e = new Binary(t.offset(), t.text(), e, parseConcat()); }
        return e;
    }

    private Expr parseConcat() {
        Expr e = parseMath2();
        while (isOp("~")) { Token t = next(); e = new Binary(t.offset(), "~", e, parseMath2()); }
        return e;
    }

    private Expr parseMath2() {
        Expr e = parsePow();
        while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) { Token t = next(); e = new Binary(t.offset(), t.text(), e, parsePow()); }
        return e;
    }

    private Expr parsePow() {
        Expr e = parseUnary(true);
        while (isOp("**")) { Token t = next(); e = new Binary(t.offset(), "**", e, parseUnary(true)); }
        return e;
    }

    private Expr parseUnary(boolean withFilter) {
        Expr e;
        if (isOp("-") || isOp("+")) {
            Token t = next();
            e = new Unary(t.offset(), t.text(), parseUnary(false));
        } else {
            e = parsePostfix(parsePrimary());
        }
        return withFilter ? parseFilterExpr(e) : e;
    }

    private Expr parsePrimary() {
        Token t = next();
        switch (t.kind()) {
            case NAME:
                return switch (t.text()) {
                    case "true", "True" -> new Literal(t.offset(), Boolean.TRUE);
                    case "false", "False" -> new Literal(t.offset(), Boolean.FALSE);
                    case "none", "None" -> new Literal(t.offset(), null);
                    default -> new Name(t.offset(), t.text());
                };
            case STRING: {
                StringBuilder sb = new StringBuilder((String) t.value());
                while (peek().kind() == Kind.STRING) sb.append((String) next().value());
                return new Literal(t.offset(), sb.toString());
            }
            case INT, FLOAT:
                return new Literal(t.offset(), t.value());
            case OP:
                switch (t.text()) {
                    case "(": {
                        if (skipOp(")")) return new TupleLit(t.offset(), List.of());
                        Expr first = parseExpression(true);
                        if (skipOp(")")) return first;
                        List<Expr> items = new ArrayList<>();
                        items.add(first);
                        while (skipOp(",")) {
                            if (isOp(")")) break;
                            items.add(parseExpression(true));
                        }
                        expectOp(")");
                        return new TupleLit(t.offset(), items);
                    }
                    case "[": {
                        List<Expr> items = new ArrayList<>();
                        while (!isOp("]")) {
                            if (!items.isEmpty()) { expectOp(","); if (isOp("]")) break; }
                            items.add(parseExpression(true));
                        }
                        expectOp("]");
                        return new ListLit(t.offset(), items);
                    }
                    case "{": {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!isOp("}")) {
                            if (!keys.isEmpty()) { expectOp(","); if (isOp("}")) break; }
                            keys.add(parseExpression(true));
                            expectOp(":");
                            values.add(parseExpression(true));
                        }
                        expectOp("}");
                        return new DictLit(t.offset(), keys, values);
                    }
                    default:
                }
            default:
                p--;
                throw unexpected("an expression");
        }
    }

    private Expr parsePostfix(Expr e) {
        while (true) {
            Token t = peek();
            if (isOp(".")) {
                p++;
                Token a = next();
                if (a.kind() == Kind.NAME) e = new GetAttr(e.at(), e, a.text());
                else if (a.kind() == Kind.INT) e = new GetItem(e.at(), e, new Literal(a.offset(), a.value()));
                else { p--; throw unexpected("an attribute name"); }
            } else if (isOp("[")) {
                p++;
                e = parseSubscript(e.at(), e);
            } else if (isOp("(")) {
                e = parseCall(e.at(), e);
            } else {
                return e;
            }
        }
    }

    private Expr parseSubscript(int at, Expr target) {
        Expr start = null;
        if (!isOp(":")) {
            start = parseExpression(true);
            if (skipOp("]")) return new GetItem(at, target, start);
        }
        expectOp(":");
        Expr stop = isOp(":") || isOp("]") ? null : parseExpression(true);
        Expr step = null;
        if (skipOp(":") && !isOp("]")) step = parseExpression(true);
        expectOp("]");
        return new Slice(at, target, start, stop, step);
    }

    private Expr parseCall(int at, Expr callee) {
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        parseArgs(args, kwNames, kwValues);
        return new Call(at, callee, args, kwNames, kwValues);
    }

    private Expr parseFilterExpr(Expr e) {
        while (true) {
            if (isOp("|")) {
                Token t = next();
                e = new Filter(t.offset(), e, parseFilterCall());
            } else if (isName("is")) {
                Token t = next();
                boolean negated = skipName("not");
                Token nameToken = peek();
                String name = expectName("a test name");
                if (!Builtins.TESTS.contains(name)) throw lexer.error(nameToken.offset(), "no test named '" + name + "'");
                List<Expr> args = new ArrayList<>();
                Token n = peek();
                if (isOp("(")) {
                    List<String> kwNames = new ArrayList<>();
                    parseArgs(args, kwNames, new ArrayList<>());
                } else if ((n.kind() == Kind.NAME && !NOT_A_TEST_ARG.contains(n.text()))
                        || n.kind() == Kind.STRING || n.kind() == Kind.INT || n.kind() == Kind.FLOAT
                        || isOp("[") || isOp("{")) {
                    args.add(parsePostfix(parsePrimary()));
                }
                e = new Test(t.offset(), e, name, args, negated);
            } else if (isOp("(")) {
                e = parseCall(e.at(), e);
            } else {
                return e;
            }
        }
    }
}
