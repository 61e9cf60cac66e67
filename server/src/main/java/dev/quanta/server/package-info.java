/**
 * OpenAI-compatible HTTP server (issue: server).
 */
package dev.quanta.server;
