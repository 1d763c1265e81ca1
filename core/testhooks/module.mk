# core/testhooks: the "_test" provider and simulated recorder (CONFIG_TEST_HOOKS; config test_hooks).
obj-$(CONFIG_TEST_HOOKS) += core/testhooks/test_provider.o
