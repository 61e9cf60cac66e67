/**
 * Which models a server serves, and when they are in memory. {@link dev.quanta.server.models.ModelRegistry}
 * is what the HTTP front ends ask for a model by name; {@link dev.quanta.server.models.SingleModel} serves
 * one engine (quanta serve -m FILE), {@link dev.quanta.server.models.ModelCache} serves every model of a
 * catalog (the Hugging Face cache, see {@link dev.quanta.server.models.HubCatalog}), loading each on first
 * use, unloading it after an idle time and keeping at most a given number loaded.
 */
package dev.quanta.server.models;
