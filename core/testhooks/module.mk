# core/testhooks: the "_test" provider and simulated recorder (config key test_hooks).
obj-y += core/testhooks/test_provider.o
