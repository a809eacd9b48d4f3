# -*- coding: utf-8 -*-
# The controller side of envseal.envseal.apply: as render's (same checks).
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.envseal.envseal.plugins.action.render import (
    ActionModule as RenderAction)


class ActionModule(RenderAction):
    MODULE = 'envseal.envseal.apply'
