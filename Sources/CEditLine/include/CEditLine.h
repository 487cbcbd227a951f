#ifndef CEDITLINE_H
#define CEDITLINE_H

#include <stdio.h>

/// Thin, non-variadic wrappers over libedit (el_set/el_get/history are variadic and cannot be
/// called from Swift). One editor per process: the prompt text lives in the shim.
typedef struct editline EditLine;
typedef struct history History;

typedef unsigned char (*wl_function)(EditLine *, int);

EditLine *wl_init(const char *program);
void wl_end(EditLine *el);
const char *wl_gets(EditLine *el, int *count);
int wl_set_prompt(EditLine *el, const char *prompt);
int wl_set_editor(EditLine *el, const char *mode);
int wl_set_signal(EditLine *el, int on);
int wl_set_clientdata(EditLine *el, void *data);
void *wl_get_clientdata(EditLine *el);
int wl_addfn(EditLine *el, const char *name, const char *help, wl_function fn);
int wl_bind(EditLine *el, const char *key, const char *function);
int wl_source(EditLine *el, const char *file);
/// Turns off ISIG while editing, so Ctrl-C reaches a key binding instead of raising SIGINT.
int wl_disable_isig_while_editing(EditLine *el);
int wl_insertstr(EditLine *el, const char *text);
/// The text of the line being edited, from the start up to the cursor (malloc'd; free it).
char *wl_line_to_cursor(EditLine *el);
/// The whole line being edited (malloc'd; free it).
char *wl_line(EditLine *el);
void wl_clear_line(EditLine *el);
void wl_reset(EditLine *el);
int wl_refresh(EditLine *el);
void wl_beep(EditLine *el);

History *wl_history_init(int size);
void wl_history_end(History *h);
int wl_attach_history(EditLine *el, History *h);
int wl_history_enter(History *h, const char *line);
int wl_history_load(History *h, const char *file);
/// Saves the history into an open file (the descriptor stays open), so the caller decides
/// how the file is created; 0, or -1 on failure.
int wl_history_save_fd(History *h, int fd);

/// Called about once a second while the editor waits for a key, and whenever the wake
/// descriptor becomes readable; returns 1 when it printed something (the line is then
/// redrawn), 2 to end the input (as Ctrl-D on an empty line would), 0 otherwise.
typedef int (*wl_idle_function)(EditLine *);
/// Reads keys with poll(), calling `idle` between them, so reminders can appear while the
/// responder is not typing.
int wl_set_idle(EditLine *el, wl_idle_function idle, int interval_ms);
/// A descriptor to wait on besides the keyboard (-1 for none), and the idle interval (0 keeps
/// it): a shared store's socket wakes the editor when another shell records something.
void wl_set_wake(int fd, int interval_ms);

/// Installs a SIGINT handler (without SA_RESTART) so Ctrl-C interrupts el_gets instead of
/// killing the process; `wl_take_interrupt` reports and clears it.
void wl_install_interrupt_handler(void);
int wl_take_interrupt(void);

#endif
