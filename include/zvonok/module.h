/*
 * Module registry: one declarative descriptor per module.
 *
 *   static int vm_load(struct zv_module *mod)
 *   {
 *           return zv_cli_register(mod, vm_cli_cmds);    // dropped with mod
 *   }
 *
 *   ZV_MODULE(voicemail) = {
 *           .summary  = "Voicemail",
 *           .requires = "media_file",
 *           .config   = "voicemail.conf",
 *           .load     = vm_load,
 *   };
 *
 * The module's name is the symbol given to ZV_MODULE().  Modules are linked
 * into the binary; modules.conf ([modules] autoload, load =>, noload =>)
 * chooses which are loaded.  Dependencies are named in .requires and
 * decide the order: a module loads after, and stops before, the modules it
 * requires.
 *
 * LIFECYCLE (all callbacks on the main thread)
 *   load     register applications, functions, CLI commands, AMI actions,
 *            bus subscriptions against the module handle.  No sockets, no
 *            threads: `zvonok --check-config` runs load and prepare only.
 *   prepare  validate the module's files in a config snapshot and build the
 *            state it will run with; report problems into diag with
 *            file:line; return <0 to refuse (nothing is applied anywhere).
 *   commit   adopt the prepared state (ownership passes to the module,
 *            which drops its previous state).  Never fails.
 *   discard  drop a prepared state that will not be committed.
 *   start    workers are running: open sockets, start timers.
 *   stop     stop accepting work and end what is in progress.
 *   unload   undo what load did that is not a registration; registrations
 *            made against the handle are removed automatically afterwards.
 * Every callback is optional.
 */
#ifndef ZVONOK_MODULE_H
#define ZVONOK_MODULE_H

#include <stdbool.h>

#include "diag.h"

struct zv_module;
struct zv_snapshot;

struct zv_module_desc {
	const char *summary;
	const char *requires; /* comma-separated module names */
	const char *config; /* comma-separated config files it reads */
	unsigned flags;
	int (*load)(struct zv_module *mod);
	int (*prepare)(struct zv_module *mod, const struct zv_snapshot *snap,
		       struct zv_diag *diag, void **statep);
	void (*commit)(struct zv_module *mod, void *state);
	void (*discard)(struct zv_module *mod, void *state);
	int (*start)(struct zv_module *mod);
	void (*stop)(struct zv_module *mod);
	void (*unload)(struct zv_module *mod);
};

/* flags */
#define ZV_MODULE_CORE 0x1u /* always loaded, cannot be unloaded */

struct zv_module_entry {
	const char *name;
	const struct zv_module_desc *desc;
};

#define ZV_MODULE(sym)                                                         \
	static const struct zv_module_desc zv_module_desc_##sym;               \
	static const struct zv_module_entry zv_module_entry_##sym              \
		__attribute__((used, section("zv_modules"), aligned(16))) = {  \
			#sym, &zv_module_desc_##sym};                          \
	static const struct zv_module_desc zv_module_desc_##sym

const char *zv_module_name(const struct zv_module *mod);

/*
 * Re-read the named module's config files and re-run its prepare/commit
 * (what `module reload <name>` does).  Problems go to diag with
 * file:line; on any error nothing changes.  Main thread.
 * 0, -ENOENT (no such loaded module), -EINVAL, -ENOMEM.
 */
int zv_module_reload(const char *name, struct zv_diag *diag);

/* Per-module private pointer, e.g. its committed state. */
void *zv_module_data(const struct zv_module *mod);
void zv_module_set_data(struct zv_module *mod, void *data);

/*
 * Registrations owned by a module.  A registry (CLI commands, applications,
 * functions, AMI actions, bus subscriptions...) embeds a struct zv_reg in
 * each entry and hands it to zv_module_own(); when the module unloads,
 * drop(reg) is called for every registration still owned, newest first.
 * A registry that removes an entry itself calls zv_module_disown() first.
 * Main thread only.
 */
struct zv_reg {
	struct zv_reg *prev, *next;
	struct zv_module *owner;
	void (*drop)(struct zv_reg *reg);
};
void zv_module_own(struct zv_module *mod, struct zv_reg *reg,
		   void (*drop)(struct zv_reg *reg));
void zv_module_disown(struct zv_reg *reg);

#endif
