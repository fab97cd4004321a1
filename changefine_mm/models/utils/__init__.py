from .fdaf import FDAF
from .interaction_layers import ChannelExchange, SpatialExchange, TwoIdentity

__all__ = ['FDAF', 'ChannelExchange', 'SpatialExchange', 'TwoIdentity']
