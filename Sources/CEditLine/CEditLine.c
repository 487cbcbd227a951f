#include "CEditLine.h"

#include <errno.h>
#include <histedit.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

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

int wl_history_save_fd(History *h, int fd) {
    HistEvent event;
    int copy = dup(fd);
    if (copy < 0) return -1;
    FILE *stream = fdopen(copy, "w");
    if (stream == NULL) {
        close(copy);
        return -1;
    }
    int saved = history(h, &event, H_SAVE_FP, stream);
    if (fclose(stream) != 0) return -1;
    return saved < 0 ? -1 : 0;
}

static wl_idle_function wl_idle = NULL;
static int wl_idle_interval = 1000;
static int wl_wake_fd = -1;

void wl_set_wake(int fd, int interval_ms) {
    wl_wake_fd = fd;
    if (interval_ms > 0) wl_idle_interval = interval_ms;
}

static int wl_read_char(EditLine *el, wchar_t *out) {
    for (;;) {
        struct pollfd descriptors[2] = {
            {.fd = STDIN_FILENO, .events = POLLIN, .revents = 0},
            {.fd = wl_wake_fd, .events = POLLIN, .revents = 0},
        };
        nfds_t count = wl_idle && wl_wake_fd >= 0 ? 2 : 1;
        int ready = poll(descriptors, count, wl_idle ? wl_idle_interval : -1);
        if (ready < 0 && errno != EINTR) return -1;
        if (ready > 0 && descriptors[0].revents != 0) break;
        /* A descriptor closed under us (the connection was dropped) is not polled again
           until the idle callback names a live one. */
        if (count == 2 && (descriptors[1].revents & POLLNVAL)) wl_wake_fd = -1;
        int woken = ready > 0 && count == 2 && descriptors[1].revents != 0;
        if ((ready == 0 || woken) && wl_idle) {
            int outcome = wl_idle(el);
            if (outcome == 2) return 0; /* end of input: the session is over */
            if (outcome == 1) el_set(el, EL_REFRESH);
        }
    }
    /* Decode UTF-8 here rather than with mbrtowc, which depends on the locale: a terminal
       started without LANG still sends UTF-8. Invalid sequences become U+FFFD. */
    unsigned char first;
    ssize_t got;
    while ((got = read(STDIN_FILENO, &first, 1)) < 0 && errno == EINTR) {}
    if (got <= 0) return got == 0 ? 0 : -1;
    int length = first < 0x80 ? 1 : (first >> 5) == 0x6 ? 2 : (first >> 4) == 0xE ? 3 : (first >> 3) == 0x1E ? 4 : 0;
    if (length == 0) {
        *out = (wchar_t)0xFFFD;
        return 1;
    }
    unsigned int code = length == 1 ? first : length == 2 ? (first & 0x1F) : length == 3 ? (first & 0x0F) : (first & 0x07);
    for (int index = 1; index < length; index++) {
        unsigned char next;
        while ((got = read(STDIN_FILENO, &next, 1)) < 0 && errno == EINTR) {}
        if (got <= 0) return got == 0 ? 0 : -1;
        if ((next & 0xC0) != 0x80) {
            *out = (wchar_t)0xFFFD;
            return 1;
        }
        code = (code << 6) | (next & 0x3F);
    }
    *out = (wchar_t)code;
    return 1;
}

int wl_set_idle(EditLine *el, wl_idle_function idle, int interval_ms) {
    wl_idle = idle;
    wl_idle_interval = interval_ms > 0 ? interval_ms : 1000;
    return el_set(el, EL_GETCFN, wl_read_char);
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
