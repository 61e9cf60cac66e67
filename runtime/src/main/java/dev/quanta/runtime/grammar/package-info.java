/**
 * Grammar-constrained generation: GBNF grammars (llama.cpp's format) compiled to a byte-level
 * pushdown matcher, token masks computed over a vocabulary trie with a per-context cache, and
 * JSON Schema to GBNF conversion.
 *
 * <p>Start at {@link dev.quanta.runtime.grammar.Grammar#parse(String)}, then
 * {@link dev.quanta.runtime.grammar.Grammar#matcher(GrammarVocabulary)}; see
 * {@code docs/structured-output.md} for the design and what is and is not enforced.
 */
package dev.quanta.runtime.grammar;
