#include "CEditLine.h"

#include <histedit.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static char wl_prompt_text[512] = "> ";
static volatile sig_atomic_t wl_interrupted = 0;

static char *wl_prompt(EditLine *el) {
    (void)el;
    return wl_prompt_text;
}

EditLine *wl_init(const char *program) { return el_init(program, stdin, stdout, stderr); }
void wl_end(EditLine *el) { el_end(el); }
const char *wl_gets(EditLine *el, int *count) { return el_gets(el, count); }

int wl_set_prompt(EditLine *el, const char *prompt) {
    strncpy(wl_prompt_text, prompt, sizeof wl_prompt_text - 1);
    wl_prompt_text[sizeof wl_prompt_text - 1] = '\0';
    return el_set(el, EL_PROMPT, wl_prompt);
}

int wl_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
int wl_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
int wl_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }

void *wl_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}

int wl_addfn(EditLine *el, const char *name, const char *help, wl_function fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}

int wl_bind(EditLine *el, const char *key, const char *function) { return el_set(el, EL_BIND, key, function, NULL); }
int wl_source(EditLine *el, const char *file) { return el_source(el, file); }
int wl_disable_isig_while_editing(EditLine *el) { return el_set(el, EL_SETTY, "-d", "-isig", NULL); }
int wl_insertstr(EditLine *el, const char *text) { return el_insertstr(el, text); }

static char *wl_copy(const char *start, const char *end) {
    size_t length = (size_t)(end - start);
    char *copy = malloc(length + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, start, length);
    copy[length] = '\0';
    return copy;
}

char *wl_line_to_cursor(EditLine *el) {
    const LineInfo *info = el_line(el);
    return wl_copy(info->buffer, info->cursor);
}

char *wl_line(EditLine *el) {
    const LineInfo *info = el_line(el);
    return wl_copy(info->buffer, info->lastchar);
}

void wl_clear_line(EditLine *el) {
    const LineInfo *info = el_line(el);
    int after = (int)(info->lastchar - info->cursor);
    el_cursor(el, after);
    info = el_line(el);
    el_deletestr(el, (int)(info->cursor - info->buffer));
}

void wl_reset(EditLine *el) { el_reset(el); }
int wl_refresh(EditLine *el) { return el_set(el, EL_REFRESH); }
void wl_beep(EditLine *el) { el_beep(el); }

History *wl_history_init(int size) {
    History *h = history_init();
    if (h == NULL) return NULL;
    HistEvent event;
    history(h, &event, H_SETSIZE, size);
    history(h, &event, H_SETUNIQUE, 1);
    return h;
}

void wl_history_end(History *h) { history_end(h); }
int wl_attach_history(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }

int wl_history_enter(History *h, const char *line) {
    HistEvent event;
    return history(h, &event, H_ENTER, line);
}

int wl_history_load(History *h, const char *file) {
    HistEvent event;
    return history(h, &event, H_LOAD, file);
}

int wl_history_save(History *h, const char *file) {
    HistEvent event;
    return history(h, &event, H_SAVE, file);
}

static void wl_on_interrupt(int signal) {
    (void)signal;
    wl_interrupted = 1;
}

void wl_install_interrupt_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = wl_on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: el_gets must return so the line can be cleared */
    sigaction(SIGINT, &action, NULL);
}

int wl_take_interrupt(void) {
    int was = wl_interrupted;
    wl_interrupted = 0;
    return was;
}
