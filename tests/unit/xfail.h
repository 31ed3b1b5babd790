/* xfail.h -- known bugs in cmocka tests, kept visible the way pytest's
 * strict xfail keeps them: the check passes while the bug is there (and
 * says so on stdout), and fails once the bug is fixed, so that whoever
 * fixes it turns the check into a plain assertion.
 *
 * Use: XFAIL_BUG(correct_behaviour_observed, "BUG: what is wrong");
 * Include after <cmocka.h>.
 */
#ifndef MDNS_TEST_XFAIL_H
#define MDNS_TEST_XFAIL_H

#define XFAIL_BUG(ok, reason) \
	do { \
		if (ok) \
			fail_msg("known bug now fixed, make this a plain assertion: " \
				 "%s", \
			    (reason)); \
		else \
			print_message("[  XFAIL   ] %s\n", (reason)); \
	} while (0)

#endif
