/*
 * An intrusive doubly linked list, oldest first: a struct that goes in a
 * list holds an acr_link, and ACR_LIST_ENTRY finds the struct again from
 * it. A link is in one list at a time. Header-only (static inline):
 * acrcloud.so (the transfers in http.c) and acrcloud/httpd.so (the
 * requests and connections of the HTTP server) are separate modules, each
 * with its own copy.
 */
#ifndef ACR_LIST_H
#define ACR_LIST_H

#include <stddef.h>

typedef struct acr_link {
  struct acr_link *prev, *next; /* NULL at the ends, and out of a list */
} acr_link;

typedef struct acr_list {
  acr_link *head, *tail; /* the oldest and the newest; NULL when empty */
  size_t count;
} acr_list;

/* Appends k, which is in no list, after the newest. */
static inline void acr_list_append(acr_list *l, acr_link *k) {
  k->next = NULL;
  k->prev = l->tail;
  if (l->tail)
    l->tail->next = k;
  else
    l->head = k;
  l->tail = k;
  l->count++;
}

/* Takes k out of l, the list it is in. */
static inline void acr_list_remove(acr_list *l, acr_link *k) {
  if (k->prev)
    k->prev->next = k->next;
  else
    l->head = k->next;
  if (k->next)
    k->next->prev = k->prev;
  else
    l->tail = k->prev;
  k->prev = k->next = NULL;
  l->count--;
}

/* What ACR_LIST_ENTRY computes, k evaluated once: NULL for no link. */
static inline void *acr_list_holder(acr_link *k, size_t offset) {
  return k ? (char *)k - offset : NULL;
}

/* The struct of type `type` whose field `member` is the link k, or NULL
 * when k is NULL (past the end, an empty list). */
#define ACR_LIST_ENTRY(k, type, member)                                        \
  ((type *)acr_list_holder((k), offsetof(type, member)))

/* for (each struct `var` of type `type` in the list l, oldest first): the
 * body must not take var out of the list (loop on l->head for that). */
#define ACR_LIST_EACH(var, l, type, member)                                    \
  for (type *var = ACR_LIST_ENTRY((l)->head, type, member); var != NULL;       \
       var = ACR_LIST_ENTRY(var->member.next, type, member))

#endif
