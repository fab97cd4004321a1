from .fc_siam import FC_EF, FC_Siam_conc, FC_Siam_diff

__all__ = ['FC_EF', 'FC_Siam_conc', 'FC_Siam_diff']
