// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Example: connect a TCP socket that must be encrypted by IPsec, and show
 * what protects it.  Usage: protected-connect ADDRESS PORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <socksec.h>

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct socksec_query q;
	const char *proto;
	char state[128];
	int fd, err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s ADDRESS PORT\n", argv[0]);
		return 2;
	}
	err = getaddrinfo(argv[1], argv[2], &hints, &ai);
	if (err) {
		fprintf(stderr, "%s: %s\n", argv[1], gai_strerror(err));
		return 1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0 ||
	    socksec_set(fd, SOCKSEC_PROTO_IPSEC, SOCKSEC_GUARANTEE_ENCRYPTION) < 0) {
		perror("socksec_set");
		return 1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		/* Refused rather than sent in clear: the guarantee at work. */
		perror("connect");
		return 1;
	}
	if (socksec_query(fd, &q) < 0 ||
	    socksec_state_format(q.state, state, sizeof(state)) < 0) {
		perror("socksec_query");
		return 1;
	}
	/* A newer kernel may report a protocol this library does not name. */
	proto = socksec_protocol_name(q.protocol);
	if (proto)
		printf("protocol=%s", proto);
	else
		printf("protocol=%u", q.protocol);
	printf(" state=%s spi_out=0x%08x enc=%s\n", state, q.spi_out,
	       q.enc_alg[0] ? q.enc_alg : "-");
	freeaddrinfo(ai);
	close(fd);
	return 0;
}
