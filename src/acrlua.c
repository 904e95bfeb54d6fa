/*
 * acrlua: a stand-alone Lua 5.4 interpreter with the acrcloud modules ready
 * to `require`.
 *
 * It behaves like the `lua` command: options -e -l -i -v -E -W -- and -,
 * a script with its arguments in `arg`, LUA_INIT_5_4 / LUA_INIT, errors
 * printed with a traceback (through `__tostring` for error objects) and a
 * non-zero exit status. All the work runs inside one protected call
 * (run_main), so a Lua error anywhere is reported instead of aborting.
 *
 * Called as `acr` (a link to this program, or a copy), it is the command
 * line client instead: the Lua module acrcloud.shell gets the arguments.
 *
 * Installed, it finds its Lua files relative to its own location
 * (<prefix>/bin/../share/lua/5.4 and <prefix>/bin/../lib/lua/5.4, or
 * wherever the build put them), so a tree installed under any prefix, or
 * moved, works without LUA_PATH.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "acrcloud.h"
#include "lua_paths.h"

#define PROGNAME "acrlua"
#define SHELL_NAME "acr" /* the program name that runs acrcloud.shell */
#define INIT_VAR "LUA_INIT"
#define INIT_VAR_VERSIONED INIT_VAR "_" LUA_VERSION_MAJOR "_" LUA_VERSION_MINOR
#define COMMAND_LINE_CHUNK "=(command line)"
#define REPL_CHUNK "=stdin"
#define EOF_MARK "<eof>"

/* What collect_args found on the command line. */
enum {
  OPT_ERROR = 1 << 0, /* bad option: print usage and fail */
  OPT_HELP = 1 << 1,  /* -h: usage without complaint */
  OPT_INTERACTIVE = 1 << 2,
  OPT_VERSION = 1 << 3,
  OPT_EXEC = 1 << 4, /* at least one -e */
  OPT_NO_ENV = 1 << 5,
  OPT_EXIT = 1 << 6 /* --version: print it and stop */
};

/* Prefix of error messages; NULL in the interactive loop, like lua.c. */
static const char *progname = PROGNAME;

/* The state the SIGINT handler stops. Set once, before any signal is caught. */
static lua_State *interrupt_state = NULL;

static void print_message(const char *prefix, const char *msg) {
  if (prefix != NULL) fprintf(stderr, "%s: ", prefix);
  fprintf(stderr, "%s\n", msg);
  fflush(stderr);
}

/* Prints the error on top of the stack (if status says there is one). */
static int report(lua_State *L, int status) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    /* Not called under protection here: no __tostring, that could raise. */
    print_message(progname,
                  msg != NULL ? msg : "(error object is not a string)");
    lua_pop(L, 1);
  }
  return status;
}

/* The usage goes to stdout for -h/--help (exit 0), else to stderr. */
static void print_usage(FILE *out, const char *bad_option) {
  if (bad_option != NULL) {
    if ((bad_option[1] == 'e' || bad_option[1] == 'l') && bad_option[2] == '\0')
      fprintf(stderr, "%s: '%s' needs argument\n", PROGNAME, bad_option);
    else
      fprintf(stderr, "%s: unrecognized option '%s'\n", PROGNAME, bad_option);
  }
  fprintf(out,
          "usage: %s [options] [script [args]]\n"
          "Available options are:\n"
          "  -e stat   execute string 'stat'\n"
          "  -i        enter interactive mode after executing 'script'\n"
          "  -l mod    require library 'mod' into global 'mod'\n"
          "  -l g=mod  require library 'mod' into global 'g'\n"
          "  -v        show version information\n"
          "  -E        ignore environment variables\n"
          "  -W        turn warnings on\n"
          "  -h, --help     show this help and exit\n"
          "  --version      show version information and exit\n"
          "  --        stop handling options\n"
          "  -         stop handling options and execute stdin\n"
          "The module 'acrcloud' (and 'acrcloud.httpd', 'acrcloud.process',\n"
          "'acrcloud.tz') is preloaded.\n"
          "Every API operation from the shell: acr --help. Manual: man "
          "acrlua.\n",
          PROGNAME);
  fflush(out);
}

static void print_version(void) {
  printf("%s %s (%s, %s)\n", PROGNAME, ACRLUA_VERSION, LUA_RELEASE,
         curl_version());
  fflush(stdout);
}

/* ---- SIGINT: stop the running Lua code with an error ---------------- */

static void interrupt_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted!");
}

/*
 * A signal handler may not touch the Lua state beyond lua_sethook, which
 * Lua allows asynchronously. The hook then raises the error at the next
 * instruction, call or return. The handler goes back to the default action
 * first, so a second ^C kills a program stuck in C code. A request under
 * way is stopped too, rather than left to run to its timeout.
 */
static void on_sigint(int sig) {
  signal(sig, SIG_DFL);
  acrcloud_interrupt(); /* a request under way stops too */
  lua_sethook(interrupt_state, interrupt_hook,
              LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

/* ---- protected calls ---------------------------------------------------- */

/* Message handler: turns any error object into a string with a traceback. */
static int message_handler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);
    else
      msg = lua_pushfstring(L, "(error object is a %s value)",
                            luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/*
 * Calls the function below the narg arguments on top of the stack with the
 * message handler, catching SIGINT for the duration of the call.
 */
static int docall(lua_State *L, int narg, int nres) {
  int status;
  int base = lua_gettop(L) - narg;
  struct sigaction on_int, previous;
  lua_pushcfunction(L, message_handler);
  lua_insert(L, base);
  on_int.sa_handler = on_sigint;
  sigemptyset(&on_int.sa_mask);
  on_int.sa_flags = 0; /* no SA_RESTART: ^C also breaks a blocking read */
  sigaction(SIGINT, &on_int, &previous);
  status = lua_pcall(L, narg, nres, base);
  sigaction(SIGINT, &previous, NULL);
  /* A ^C that came as the call returned must not hit later code. */
  if (lua_gethook(L) == interrupt_hook) lua_sethook(L, NULL, 0, 0);
  lua_remove(L, base);
  return status;
}

static int dochunk(lua_State *L, int status) {
  if (status == LUA_OK) status = docall(L, 0, 0);
  return report(L, status);
}

/* name NULL means stdin. */
static int dofile(lua_State *L, const char *name) {
  return dochunk(L, luaL_loadfile(L, name));
}

static int dostring(lua_State *L, const char *s, const char *chunkname) {
  return dochunk(L, luaL_loadbuffer(L, s, strlen(s), chunkname));
}

/* -l mod sets global mod = require "mod"; -l g=mod sets g instead. */
static int dolibrary(lua_State *L, const char *spec) {
  const char *eq = strchr(spec, '=');
  const char *modname = eq != NULL ? eq + 1 : spec;
  int status;
  lua_getglobal(L, "require");
  lua_pushstring(L, modname);
  status = docall(L, 1, 1);
  if (status == LUA_OK) {
    lua_pushglobaltable(L);
    if (eq != NULL)
      lua_pushlstring(L, spec, (size_t)(eq - spec));
    else
      lua_pushstring(L, spec);
    lua_rotate(L, -3, 2); /* globals, name, module */
    lua_settable(L, -3);
    lua_pop(L, 1);
  }
  return report(L, status);
}

/* ---- command line ---------------------------------------------------- */

/*
 * Scans the options. Sets *script to the index of the script name (argc if
 * there is none) or, on OPT_ERROR, to the index of the offending option.
 */
static int collect_args(char **argv, int *script) {
  int flags = 0;
  int i;
  *script = 0;
  if (argv[0] == NULL) return 0; /* argc == 0: nothing to scan */
  for (i = 1; argv[i] != NULL; i++) {
    const char *a = argv[i];
    *script = i;
    if (a[0] != '-') return flags; /* the script */
    switch (a[1]) {
    case '\0': return flags; /* "-": the script is stdin */
    case '-':
      if (strcmp(a, "--help") == 0) return flags | OPT_HELP;
      if (strcmp(a, "--version") == 0) return flags | OPT_VERSION | OPT_EXIT;
      if (a[2] != '\0') return flags | OPT_ERROR;
      *script = i + 1; /* "--": what follows is the script */
      return flags;
    case 'h':
      if (a[2] != '\0') return flags | OPT_ERROR;
      return flags | OPT_HELP;
    case 'E':
      if (a[2] != '\0') return flags | OPT_ERROR;
      flags |= OPT_NO_ENV;
      break;
    case 'W':
      if (a[2] != '\0') return flags | OPT_ERROR;
      break; /* acted on in run_args, in order */
    case 'i':
      if (a[2] != '\0') return flags | OPT_ERROR;
      flags |= OPT_INTERACTIVE | OPT_VERSION; /* -i implies -v */
      break;
    case 'v':
      if (a[2] != '\0') return flags | OPT_ERROR;
      flags |= OPT_VERSION;
      break;
    case 'e':
    case 'l':
      if (a[1] == 'e') flags |= OPT_EXEC;
      if (a[2] == '\0') { /* the argument is the next word */
        i++;
        if (argv[i] == NULL || argv[i][0] == '-') return flags | OPT_ERROR;
      }
      break;
    default: return flags | OPT_ERROR;
    }
  }
  *script = i;
  return flags;
}

/* Runs -e, -l and -W in command-line order; 0 if one of them failed. */
static int run_args(lua_State *L, char **argv, int script) {
  int i;
  for (i = 1; i < script; i++) {
    const char *a = argv[i];
    char opt = a[1];
    if (opt == 'e' || opt == 'l') {
      const char *value = a[2] != '\0' ? a + 2 : argv[++i];
      int status = opt == 'e' ? dostring(L, value, COMMAND_LINE_CHUNK)
                              : dolibrary(L, value);
      if (status != LUA_OK) return 0;
    } else if (opt == 'W') {
      lua_warning(L, "@on", 0);
    }
  }
  return 1;
}

/*
 * arg[0] is the script, arg[1..n] its arguments, and the interpreter and
 * its options go to negative indices. Without a script, arg[0] is the
 * interpreter.
 */
static void create_arg_table(lua_State *L, char **argv, int argc, int script) {
  int i;
  int positive;
  if (script == argc) script = 0;
  positive = argc - script - 1;
  lua_createtable(L, positive > 0 ? positive : 0, script + 1);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, (lua_Integer)i - script);
  }
  lua_setglobal(L, "arg");
}

/* Pushes arg[1..n] for the script's `...`; returns n. */
static int push_script_args(lua_State *L) {
  int i, n;
  if (lua_getglobal(L, "arg") != LUA_TTABLE)
    luaL_error(L, "'arg' is not a table");
  n = (int)luaL_len(L, -1);
  luaL_checkstack(L, n + 3, "too many arguments to script");
  for (i = 1; i <= n; i++)
    lua_rawgeti(L, -i, i);
  lua_remove(L, -i); /* the arg table */
  return n;
}

static int handle_script(lua_State *L, char **argv) {
  const char *name = argv[0];
  int status;
  /* "-" is stdin, unless it came after "--" (then it is a file named -). */
  if (strcmp(name, "-") == 0 && strcmp(argv[-1], "--") != 0) name = NULL;
  status = luaL_loadfile(L, name);
  if (status == LUA_OK) {
    int n = push_script_args(L);
    status = docall(L, n, LUA_MULTRET);
  }
  return report(L, status);
}

static int handle_luainit(lua_State *L) {
  const char *chunkname = "=" INIT_VAR_VERSIONED;
  const char *init = getenv(chunkname + 1);
  if (init == NULL) {
    chunkname = "=" INIT_VAR;
    init = getenv(chunkname + 1);
  }
  if (init == NULL) return LUA_OK;
  if (init[0] == '@') return dofile(L, init + 1);
  return dostring(L, init, chunkname);
}

/* ---- interactive loop ---------------------------------------------------- */

/*
 * Shows the prompt and pushes the next line of stdin, without its newline.
 * Lines of any length are read in pieces into a Lua buffer, so nothing is
 * left allocated if Lua raises. Returns 0 at end of input.
 */
static int push_line(lua_State *L, int first) {
  char piece[512];
  luaL_Buffer b;
  const char *prompt;
  int got = 0;
  lua_getglobal(L, first ? "_PROMPT" : "_PROMPT2");
  prompt = lua_tostring(L, -1);
  fputs(prompt != NULL ? prompt : (first ? "> " : ">> "), stdout);
  fflush(stdout);
  lua_pop(L, 1);
  luaL_buffinit(L, &b);
  while (fgets(piece, (int)sizeof piece, stdin) != NULL) {
    size_t len = strlen(piece);
    got = 1;
    if (len > 0 && piece[len - 1] == '\n') {
      luaL_addlstring(&b, piece, len - 1);
      break;
    }
    luaL_addlstring(&b, piece, len);
  }
  luaL_pushresult(&b);
  if (!got) {
    lua_pop(L, 1);
    return 0;
  }
  if (first && lua_tostring(L, -1)[0] == '=') { /* "=expr", as in Lua 5.1 */
    lua_pushfstring(L, "return %s", lua_tostring(L, -1) + 1);
    lua_remove(L, -2);
  }
  return 1;
}

/* With the line on top, tries to compile "return <line>;". */
static int try_expression(lua_State *L) {
  const char *code = lua_pushfstring(L, "return %s;", lua_tostring(L, -1));
  int status = luaL_loadbuffer(L, code, strlen(code), REPL_CHUNK);
  if (status == LUA_OK)
    lua_remove(L, -2); /* the "return" text; the function stays */
  else
    lua_pop(L, 2);
  return status;
}

/* Whether a compile error only says the statement is unfinished. */
static int is_incomplete(lua_State *L, int status) {
  if (status == LUA_ERRSYNTAX) {
    size_t len;
    size_t mark = sizeof(EOF_MARK) - 1;
    const char *msg = lua_tolstring(L, -1, &len);
    return len >= mark && strcmp(msg + len - mark, EOF_MARK) == 0;
  }
  return 0;
}

/*
 * With the line on top, compiles it as a statement, reading more lines while
 * the error says it is unfinished. Leaves the line and the result.
 */
static int try_statement(lua_State *L) {
  for (;;) {
    size_t len;
    const char *code = lua_tolstring(L, -1, &len);
    int status = luaL_loadbuffer(L, code, len, REPL_CHUNK);
    if (!is_incomplete(L, status) || !push_line(L, 0)) return status;
    lua_remove(L, -2);        /* the error */
    lua_pushliteral(L, "\n"); /* code, next line, "\n" */
    lua_insert(L, -2);
    lua_concat(L, 3);
  }
}

/* Reads and compiles one input; -1 at end of input. Leaves one value. */
static int load_input(lua_State *L) {
  int status;
  lua_settop(L, 0);
  if (!push_line(L, 1)) return -1;
  status = try_expression(L);
  if (status != LUA_OK) status = try_statement(L);
  lua_remove(L, 1); /* the source line */
  return status;
}

static void print_results(lua_State *L) {
  int n = lua_gettop(L);
  if (n == 0) return;
  luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
  lua_getglobal(L, "print");
  lua_insert(L, 1);
  if (lua_pcall(L, n, 0, 0) != LUA_OK) {
    const char *err = lua_tostring(L, -1);
    print_message(progname,
                  lua_pushfstring(L, "error calling 'print' (%s)",
                                  err != NULL ? err : "non-string error"));
  }
}

static void run_repl(lua_State *L) {
  int status;
  const char *saved = progname;
  progname = NULL;
  while ((status = load_input(L)) != -1) {
    if (status == LUA_OK) status = docall(L, 0, LUA_MULTRET);
    if (status == LUA_OK)
      print_results(L);
    else
      report(L, status);
  }
  lua_settop(L, 0);
  fputs("\n", stdout);
  fflush(stdout);
  progname = saved;
}

/* ---- main ---------------------------------------------------------------- */

/* Whether the program was called by the name that makes it acr. */
static int called_as_shell(char **argv) {
  const char *name, *slash;
  if (argv[0] == NULL) return 0;
  slash = strrchr(argv[0], '/');
  name = slash != NULL ? slash + 1 : argv[0];
  return strcmp(name, SHELL_NAME) == 0;
}

/*
 * acr: arg[0] is the program, arg[1..n] its arguments, and
 * require("acrcloud.shell").main(arg) returns the exit status. No
 * LUA_INIT: this is a command, not an interpreter.
 */
static int run_shell(lua_State *L, char **argv, int argc) {
  int status;
  progname = SHELL_NAME;
  create_arg_table(L, argv, argc, argc);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "acrcloud.shell");
  status = docall(L, 1, 1);
  if (status == LUA_OK) {
    lua_getfield(L, -1, "main");
    lua_getglobal(L, "arg");
    status = docall(L, 1, 1);
  }
  if (report(L, status) != LUA_OK) return EXIT_FAILURE;
  return lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : EXIT_FAILURE;
}

static int finish(lua_State *L, int code) {
  lua_pushinteger(L, code);
  return 1;
}

/* The whole program, run in protected mode. Pushes the exit status. */
/* The libraries, the module preloaded, the paths; and the collector in
 * generational mode, as lua5.4 runs it: a client's short-lived answers are
 * what that mode is for (the incremental mode spent about 8,000
 * instructions a call collecting them; tests/bench/call.sh). */
static void open_state(lua_State *L, const char *argv0) {
  luaL_openlibs(L);
  acrcloud_preload(L);
  acrlua_set_paths(L, argv0);
  lua_gc(L, LUA_GCGEN, 0, 0);
}

static int run_main(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  int script;
  int flags;
  luaL_checkversion(L);
  if (called_as_shell(argv)) {
    open_state(L, argv[0]);
    return finish(L, run_shell(L, argv, argc));
  }
  flags = collect_args(argv, &script);
  if (flags & OPT_HELP) {
    print_usage(stdout, NULL);
    return finish(L, EXIT_SUCCESS);
  }
  if (flags & OPT_ERROR) {
    print_usage(stderr, argv[script]);
    return finish(L, EXIT_FAILURE);
  }
  if (flags & OPT_VERSION) print_version();
  if (flags & OPT_EXIT) return finish(L, EXIT_SUCCESS);
  if (flags & OPT_NO_ENV) { /* the package library reads this flag */
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
  }
  open_state(L, argv[0]);
  create_arg_table(L, argv, argc, script);
  if (!(flags & OPT_NO_ENV) && handle_luainit(L) != LUA_OK)
    return finish(L, EXIT_FAILURE);
  if (!run_args(L, argv, script)) return finish(L, EXIT_FAILURE);
  if (script < argc && handle_script(L, argv + script) != LUA_OK)
    return finish(L, EXIT_FAILURE);
  if (flags & OPT_INTERACTIVE) {
    run_repl(L);
  } else if (script == argc && !(flags & (OPT_EXEC | OPT_VERSION))) {
    if (isatty(STDIN_FILENO)) {
      print_version();
      run_repl(L);
    } else if (dofile(L, NULL) != LUA_OK) {
      return finish(L, EXIT_FAILURE);
    }
  }
  return finish(L, EXIT_SUCCESS);
}

int main(int argc, char **argv) {
  int status, code;
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    print_message(PROGNAME, "cannot create state: not enough memory");
    return EXIT_FAILURE;
  }
  interrupt_state = L;
  lua_pushcfunction(L, run_main);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  status = lua_pcall(L, 2, 1, 0);
  code = status == LUA_OK && lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1)
                                                  : EXIT_FAILURE;
  report(L, status);
  lua_close(L);
  return code;
}
