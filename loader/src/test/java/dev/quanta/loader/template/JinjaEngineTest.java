package dev.quanta.loader.template;

import dev.quanta.loader.template.jinja.JinjaException;
import dev.quanta.loader.template.jinja.JinjaTemplate;
import dev.quanta.loader.template.jinja.Json;
import dev.quanta.loader.template.jinja.TemplateRaisedException;
import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Jinja2 features real chat templates use, each checked against the output Python Jinja2 gives. */
class JinjaEngineTest {
    static final Map<String, Object> CTX = Map.of(
            "messages", List.of(
                    ChatTemplateFormatsTest.ordered("role", "system", "content", "  Sys  "),
                    ChatTemplateFormatsTest.ordered("role", "user", "content", "Hi there"),
                    ChatTemplateFormatsTest.ordered("role", "assistant", "content", "Hello")),
            "d", ChatTemplateFormatsTest.ordered("b", 1, "a", List.of("x", 2.5, true)),
            "n", 7);

    static String r(String src) {
        return JinjaTemplate.compile("t", src).render(CTX, () -> ZonedDateTime.of(2024, 9, 3, 14, 5, 0, 0, ZoneOffset.UTC));
    }

    @Test
    void pythonPrinting() {
        assertEquals("True False None 1.0 1e-05 1e+16 0.30000000000000004 3.5 2.0 -4 2",
                r("{{ true }} {{ False }} {{ none }} {{ 1.0 }} {{ 1e-5 }} {{ 1e16 }} {{ 0.1 + 0.2 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ -7 // 2 }} {{ -7 % 3 }}"));
        assertEquals("{'b': 1, 'a': ['x', 2.5, True]} (1, \"it's\") (1,) 'a\\n'", r("{{ d }} {{ (1, \"it's\") }} {{ (1,) }} {{ ['a\\n'][0] | pprint }}"));
        assertEquals("[1, 'a', None]|", r("{{ [1, 'a', none] }}|{{ undefined_thing }}"));
    }

    @Test
    void tojsonLikeJsonDumps() {
        assertEquals("{\"b\": 1, \"a\": [\"x\", 2.5, true]}", r("{{ d | tojson }}"));
        assertEquals("{\n  \"b\": 1,\n  \"a\": [\n    \"x\",\n    2.5,\n    true\n  ]\n}", r("{{ d | tojson(indent=2) }}"));
        assertEquals("\"é\\n\\\"<>\"", r("{{ 'é\\n\"<>' | tojson }}"));
    }

    @Test
    void stringMethodsAndFilters() {
        assertEquals("Sys|Sys  |  Sys|SYS|True|False|['a', 'b', 'c']|['a', 'b,c']|Hi There|3", r(
                "{{ messages[0].content.strip() }}|{{ messages[0].content.lstrip() }}|{{ messages[0].content.rstrip() }}|"
                        + "{{ 'sys'.upper() }}|{{ 'abc'.startswith(('x', 'a')) }}|{{ 'abc'.endswith('b') }}|"
                        + "{{ ' a  b c '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'hi there' | title }}|{{ 'abc' | length }}"));
        assertEquals("user,assistant|2|assistant|x|Hi there", r(
                "{{ messages | selectattr('role', 'ne', 'system') | map(attribute='role') | join(',') }}|"
                        + "{{ messages | rejectattr('role', 'equalto', 'system') | list | length }}|{{ (messages | last).role }}|"
                        + "{{ d.a | first }}|{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | first }}"));
        assertEquals("b=1;a=['x', 2.5, True];|b,a|dflt|x|  a\n  b", r(
                "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{{ d.keys() | join(',') }}|{{ missing | default('dflt') }}|"
                        + "{{ d.get('zz', 'x') }}|{{ 'a\\nb' | indent(2, true) }}"));
    }

    @Test
    void slicingLoopsAndScopes() {
        assertEquals("user assistant |assistant|ereht iH|[7, 3]", r(
                "{% for m in messages[1:] %}{{ m.role }} {% endfor %}|{{ messages[-1].role }}|{{ messages[1].content[::-1] }}|{{ [1,3,5,7][:0:-2] }}"));
        assertEquals("0:True:False:3 1:False:False:2 2:False:True:1 ", r(
                "{% for m in messages %}{{ loop.index0 }}:{{ loop.first }}:{{ loop.last }}:{{ loop.revindex }} {% endfor %}"));
        assertEquals("[]|True", r(
                "{% set x = 1 %}{% for m in messages %}{% set x = 2 %}{% set y = 3 %}{% endfor %}{{ [] if x == 1 else 'leaked' }}|"
                        + "{% set ns = namespace(found=false) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}"));
        assertEquals("sys,user,", r(
                "{% for m in messages %}{% if m.role == 'assistant' %}{% break %}{% endif %}{% if m.role == 'x' %}{% continue %}{% endif %}"
                        + "{{ m.role[:4] if m.role != 'system' else 'sys' }},{% endfor %}"));
        assertEquals("none!", r("{% for x in [] %}{{ x }}{% else %}none!{% endfor %}"));
        assertEquals("user;", r("{% for m in messages if m.role == 'user' %}{{ m.role }};{% endfor %}"));
    }

    @Test
    void testsOperatorsAndMacros() {
        assertEquals("yes|no|yes|yes|True|True|False", r(
                "{{ 'yes' if d.b is defined else 'no' }}|{{ 'yes' if d.zz is defined else 'no' }}|{{ 'yes' if 'a' in d else 'no' }}|"
                        + "{{ 'yes' if 'ere' in messages[1].content and not n is string else 'no' }}|{{ n is divisibleby 7 }}|{{ d is mapping }}|{{ 'x' not in 'xyz' }}"));
        assertEquals("[Hi there][x]", r("{% macro show(m, suffix='') -%}[{{ m.content }}{{ suffix }}]{%- endmacro %}{{ show(messages[1]) }}{{ show({'content': 'x'}) }}"));
        assertEquals("a1 b2.5 c", r("{{ 'a' ~ 1 }} {{ 'b' + 2.5 | string }} {{ 'c' }}"));
        assertEquals("03 Sep 2024 14:05", r("{{ strftime_now('%d %b %Y %H:%M') }}"));
        assertEquals("{% raw %}", r("{% raw %}{% raw %}{% endraw %}"));
    }

    @Test
    void whitespaceControl() {
        assertEquals("  a\nb", JinjaTemplate.compile("t", "  {% if true %}\n  a\n  {% endif %}\nb\n").render(Map.of()));
        assertEquals("x|y", JinjaTemplate.compile("t", "x  \n  {{- '|' -}}  \n y").render(Map.of()));
        assertEquals("x  y", JinjaTemplate.compile("t", "x  {# c #}\ny").render(Map.of()));
        assertEquals("1 2", JinjaTemplate.compile("t", "{{ 1 }} {{ 2 }}\n").render(Map.of()));
    }

    @Test
    void raiseExceptionCarriesMessageAndPosition() {
        TemplateRaisedException e = assertThrows(TemplateRaisedException.class, () -> r("ok\n{% if true %}{{ raise_exception('Bad role: ' + 'tool') }}{% endif %}"));
        assertEquals("Bad role: tool", e.raisedMessage());
        assertEquals(2, e.line());
        assertEquals(17, e.column());
    }

    @Test
    void malformedTemplatesNameLineAndColumn() {
        JinjaException e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("chat template", "{% for m in messages %}\n{{ m.content }"));
        assertEquals("chat template line 2, column 14: unbalanced '}'", e.getMessage());
        e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("chat template", "ok\n {{ m.content "));
        assertEquals("chat template line 2, column 2: unclosed tag: missing '}}'", e.getMessage());
        e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("t", "a\n\n  {% if x %}b"));
        assertEquals("t line 3, column 6: 'if' block is never closed (expected 'elif' or 'else' or 'endif')", e.getMessage());
        e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("t", "{{ x | nosuchfilter }}"));
        assertEquals("t line 1, column 8: no filter named 'nosuchfilter'", e.getMessage());
        e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("t", "{% for in x %}{% endfor %}"));
        assertEquals("t line 1, column 11: expected 'in', found 'x'", e.getMessage());
        e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("t", "{% endif %}"));
        assertEquals("t line 1, column 4: unexpected 'endif' (no block is open)", e.getMessage());
        e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("t", "{{ 'abc }}"));
        assertEquals("t line 1, column 4: unterminated string literal", e.getMessage());
        e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("t", "{% if x %}{% break %}{% endif %}"));
        assertEquals("t line 1, column 14: 'break' outside a for loop", e.getMessage());
        e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("t", "{% frobnicate %}"));
        assertEquals("t line 1, column 4: unknown tag 'frobnicate'", e.getMessage());
    }

    @Test
    void renderErrorsNameLineAndColumn() {
        JinjaException e = assertThrows(JinjaException.class, () -> r("\n{{ nothing.here.there }}"));
        assertEquals("t line 2, column 4: 'nothing' is undefined (reading .here)", e.getMessage());
        e = assertThrows(JinjaException.class, () -> r("{{ 'a' + 1 }}"));
        assertEquals("t line 1, column 8: unsupported operand type(s) for +: 'str' and 'int'", e.getMessage());
        e = assertThrows(JinjaException.class, () -> r("{{ messages.nope() }}"));
        assertEquals("t line 1, column 4: 'messages.nope' is undefined", e.getMessage());
    }

    @Test
    void jsonRoundTrip() {
        Object v = Json.parse("{\"a\": [1, 2.5, \"x\\u00e9\", null, true], \"b\": {}}");
        assertEquals("{\"a\": [1, 2.5, \"xé\", null, true], \"b\": {}}", Json.dump(v, null, false));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
    }
}
